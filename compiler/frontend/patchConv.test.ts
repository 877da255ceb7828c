/**
 * A strided conv2d (non-overlapping patches) through the front end: read as a
 * slice where the window does not divide the size, splits and one einsum,
 * compiled under data and channel layouts equal to eager; an overlapping
 * stride is the strided plan (dsl/ops/stridedConv.ts), equal to eager too; a
 * stride that is no positive integer is reported at the user's call.
 */
import { describe, expect, it } from "vitest";
import type { Tensor } from "../../dsl/tensor.ts";
import { callOp } from "../../dsl/ops/looseOps.ts";
import { walkOps } from "../ir/opAttrs.ts";
import { compileProgram } from "../passes/pipeline.ts";
import { makeInputs, maxDifference, runEager, runLowered } from "../testing/harness.ts";
import { FixtureProject, where } from "./__fixtures__/harness.ts";

const project = new FixtureProject();
const source = (stride: string) => `import { conv2d, dims, layout, mesh, program, Tensor } from "./dsl.ts";
const D = dims({ batch: 4, height: 9, width: 8, channels: 3, ph: 4, pw: 2, d_model: 6 });
export function patches(x: Tensor<"batch height width channels">, k: Tensor<"ph pw channels d_model">) {
  return /*@*/conv2d(x, k, { height: "height", width: "width", kernelHeight: "ph", kernelWidth: "pw", in: "channels", out: "d_model", padding: "valid", stride: ${stride} });
}
const M = mesh({ data: 2 });
export const patchesData = program(patches, { mesh: M, layout: layout(M, D, "batch:data") });
export const patchesModel = program(patches, { mesh: M, layout: layout(M, D, "d_model:data") });
`;

describe("conv2d with strides in the compiler", () => {
  const good = project.addText("patchConv", source("{ height: 4, width: 2 }"));
  const overlapping = project.addText("overlappingStride", source("{ height: 2, width: 2 }"));
  const bad = project.addText("zeroStride", source("{ height: 0, width: 2 }"));

  it("is a slice (9 rows cut to 8), two splits and one einsum, equal to eager under each layout", async () => {
    const result = project.read(good);
    expect(result.diagnostics).toEqual([]);
    expect(result.programs.map((program) => program.name)).toEqual(["patchesData", "patchesModel"]);
    for (const program of result.programs) {
      expect([...walkOps(program.body)].map((op) => op.op).filter((op) => op !== "param")).toEqual(["slice", "splitDim", "splitDim", "einsum"]);
      const args = makeInputs(program, 3);
      const { result: compiled } = await runLowered(compileProgram(program), args);
      expect(maxDifference(compiled, await runEager(program, args))).toBeLessThan(1e-5);
      // and equal to the eager op itself (the IR interpreter above reads the front end's IR too)
      const [x, k] = args.map((arg) => arg.tree as Tensor<string>);
      const options = { height: "height", width: "width", kernelHeight: "ph", kernelWidth: "pw", in: "channels", out: "d_model", padding: "valid", stride: { height: 4, width: 2 } } as const;
      expect(maxDifference(compiled, callOp("conv2d", x, k, options))).toBeLessThan(1e-5);
    }
  });

  it("a stride that overlaps windows (2 on a window of 4) is the strided plan, equal to the eager op under each layout", async () => {
    const result = project.read(overlapping);
    expect(result.diagnostics).toEqual([]);
    for (const program of result.programs) {
      const args = makeInputs(program, 4);
      const { result: compiled } = await runLowered(compileProgram(program), args);
      const [x, k] = args.map((arg) => arg.tree as Tensor<string>);
      const options = { height: "height", width: "width", kernelHeight: "ph", kernelWidth: "pw", in: "channels", out: "d_model", padding: "valid", stride: { height: 2, width: 2 } } as const;
      // 9 rows at stride 2 under a 4-row window: floor((9 - 4) / 2) + 1 = 3; 8 columns under 2: 4
      expect(callOp("conv2d", x, k, options).dims.map((dim) => dim.size)).toEqual([4, 3, 4, 6]);
      expect(maxDifference(compiled, callOp("conv2d", x, k, options))).toBeLessThan(1e-5);
    }
  });

  it("a stride that is no positive integer is one error at the user's conv2d call, naming the fix", () => {
    const result = project.read(bad);
    expect(result.programs).toEqual([]);
    expect(result.diagnostics.map(where)).toEqual([`${bad.file.getBaseName()}:${bad.expected?.line}:${bad.expected?.column} MT1033`]);
    expect(result.diagnostics[0].message).toContain("conv2d: stride 0 is not a positive integer");
  });
});
