/**
 * The generated Python of conv2d and haloExchange, as text: a golden module
 * for the conv fixtures split in space, and the pieces that decide what torch
 * computes: NCHW / OIHW permutations, the padding, and which way the halos go.
 * (torchRun.test.ts runs them on 4 gloo processes against eager.)
 */
import { describe, expect, test } from "vitest";
import type { Dim } from "../../../dsl/tensor.ts";
import type { OpOf } from "../../ir/opAttrs.ts";
import { compileProgram } from "../../passes/pipeline.ts";
import { fixtureLoc } from "../../testing/fixtures.ts";
import { readGolden } from "../../testing/golden.ts";
import { convNet, convValid } from "../../testing/programs.ts";
import { mesh2x2, mesh4 } from "../../testing/torch/torchCases.ts";
import { emitConv2d, emitHaloExchange, type ConvOperand } from "./emitTorchConv.ts";
import { emitTorchModule } from "./emitTorchModule.ts";

const here = import.meta.dirname;

function dimsOf(text: string): Dim[] {
  return text.split(" ").map((entry) => {
    const [name, size] = entry.split("=");
    return { name, size: Number(size) };
  });
}

function operand(name: string, dims: string): ConvOperand {
  return { name, value: { id: 0, dims: dimsOf(dims) } };
}

function convOp(padding: { height: "same" | "valid"; width: "same" | "valid" }, halo?: string[]): OpOf<"conv2d"> {
  return {
    op: "conv2d", inputs: [0, 1], output: 2, loc: fixtureLoc(1), height: "h", width: "w", kernelHeight: "kh", kernelWidth: "kw", in: "ci", out: "co", padding,
    ...(halo ? { halo } : {}),
  };
}

describe("emitTorchModule with conv2d", () => {
  test("golden: conv fixtures split in height and width (halo exchanges on both axes, a gathered width)", () => {
    const programs = [
      { ...compileProgram(convNet.build(mesh2x2, "height:data, width:model")), name: "convNetSpatial2d" },
      { ...compileProgram(convValid.build(mesh2x2, "height:data, width:model")), name: "convValidHeight" },
      { ...compileProgram(convNet.build(mesh4, "c_out:data")), name: "convNetChannels" },
    ];
    const text = emitTorchModule(programs, "conv.ts");
    expect(text).toBe(readGolden(here, "conv_torch.py", text));
  });
});

describe("conv2d as torch.nn.functional.conv2d", () => {
  test("x to NCHW and the kernel to OIHW, the result back in x's order with in replaced by out", () => {
    const x = operand("x", "b=2 h=8 w=4 ci=3");
    const kernel = operand("k", "kh=3 kw=3 ci=3 co=5");
    const output = { id: 2, dims: dimsOf("b=2 h=8 w=4 co=5") };
    expect(emitConv2d(convOp({ height: "same", width: "same" }), x, kernel, output))
      .toBe("torch.nn.functional.conv2d(x.permute(0, 3, 1, 2), k.permute(3, 2, 0, 1), padding=(1, 1)).permute(0, 2, 3, 1)");
  });

  test("dims that play no role fold into N (none: N = 1); no permute when the order is already right", () => {
    const kernel = operand("k", "co=5 ci=3 kh=5 kw=3");
    const folded = emitConv2d(convOp({ height: "same", width: "valid" }), operand("x", "b=2 t=3 ci=3 h=8 w=4"), kernel, { id: 2, dims: dimsOf("b=2 t=3 co=5 h=8 w=2") });
    expect(folded).toBe("torch.nn.functional.conv2d(x.reshape(6, 3, 8, 4), k, padding=(2, 0)).reshape(2, 3, 5, 8, 2)");
    const alone = emitConv2d(convOp({ height: "valid", width: "valid" }), operand("x", "h=8 w=4 ci=3"), kernel, { id: 2, dims: dimsOf("h=4 w=2 co=5") });
    expect(alone).toBe("torch.nn.functional.conv2d(x.permute(2, 0, 1).reshape(1, 3, 8, 4), k, padding=(0, 0)).reshape(5, 4, 2).permute(1, 2, 0)");
  });

  test("a dim whose block carries halos is convolved 'valid' (the halos stand in for the zero padding)", () => {
    const x = operand("x", "b=2 h=4 w=4 ci=3");
    const kernel = operand("k", "kh=3 kw=3 ci=3 co=5");
    const output = { id: 2, dims: dimsOf("b=2 h=2 w=4 co=5") };
    expect(emitConv2d(convOp({ height: "same", width: "same" }, ["h"]), x, kernel, output)).toContain("padding=(0, 1)");
  });
});

describe("haloExchange", () => {
  test("the last rows go forward (shift 1) and land before the block; the first rows go back (shift -1) and land after it", () => {
    const op: OpOf<"haloExchange"> = { op: "haloExchange", inputs: [0], output: 1, loc: fixtureLoc(1), axis: "space", dim: "h", halo: 1 };
    expect(emitHaloExchange(op, operand("x", "b=2 h=3 w=4"))).toBe(
      'torch.cat([mesh.collective_permute(x.narrow(1, 2, 1), "space", 1), x, mesh.collective_permute(x.narrow(1, 0, 1), "space", -1)], dim=1)',
    );
    expect(emitHaloExchange({ ...op, halo: 2 }, operand("x", "h=5 w=4"))).toBe(
      'torch.cat([mesh.collective_permute(x.narrow(0, 3, 2), "space", 1), x, mesh.collective_permute(x.narrow(0, 0, 2), "space", -1)], dim=0)',
    );
  });
});
