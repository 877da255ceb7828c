import { describe, expect, it } from "vitest";
import type { MeshAxis } from "../../../dsl/mesh.ts";
import { CompileError } from "../../diagnostics/diagnostic.ts";
import { explainProgram } from "../../explain/explainRows.ts";
import { ProgramBuilder } from "../../ir/builder.ts";
import type { Program } from "../../ir/ir.ts";
import { walkOps } from "../../ir/opAttrs.ts";
import { printProgram } from "../../ir/printer.ts";
import { fixtureLoc } from "../../testing/fixtures.ts";
import { makeInputs, maxDifference, runEager, runLowered } from "../../testing/harness.ts";
import { validLayouts } from "../../testing/layouts.ts";
import { convNet, convValid } from "../../testing/programs.ts";
import { compileProgram } from "../pipeline.ts";

const mesh2x4: readonly MeshAxis[] = [{ name: "data", size: 2 }, { name: "model", size: 4 }];
const { batch, height, width, c_in, c_out } = convNet.sizes;

async function runChecked(program: Program) {
  const lowered = compileProgram(program);
  const args = makeInputs(program, 11);
  const { result, stats } = await runLowered(lowered, args);
  expect(maxDifference(result, await runEager(program, args))).toBeLessThan(1e-4);
  return { lowered, stats };
}

const opsOf = (program: Program, kind: string) => [...walkOps(program.body)].filter((op) => op.op === kind);

/**
 * Halo bytes of one conv whose input [batch height width channels] has `dim`
 * split over `n` devices (and batch over `d`), window 3 (1 row each side), on a
 * mesh of `devices`: every device hands 2 slices of one row to collectivePermute;
 * over the mesh, 2 (n - 1) slices per group cross the wire.
 */
function haloBytes(rowElements: number, n: number, devices: number) {
  const slice = 4 * rowElements;
  return { payload: devices * 2 * slice, wire: (devices / n) * 2 * (n - 1) * slice };
}

describe("lower conv2d", () => {
  it("a split batch or out-channel is local: no collective at all", async () => {
    const { lowered, stats } = await runChecked(convValid.build(mesh2x4, "batch:data, c_out:model"));
    expect(opsOf(lowered, "haloExchange")).toEqual([]);
    expect(stats.entries().filter((entry) => entry.kind !== "localSlice")).toEqual([]);
  });

  it("a split in-channel leaves the conv partial(sum), reduced once", async () => {
    const { lowered } = await runChecked(convValid.build(mesh2x4, "c_in:model"));
    const y = [...lowered.values.values()].find((value) => value.hint === "y" && value.sharding?.model.kind === "partial");
    expect(y).toBeDefined();
    expect(opsOf(lowered, "allReduce").length + opsOf(lowered, "reduceScatter").length).toBe(1);
  });

  it("height split over model: a halo exchange before each conv, 'valid' along height locally, and the formula's bytes", async () => {
    const { lowered, stats } = await runChecked(convNet.build(mesh2x4, "height:model"));
    const exchanges = opsOf(lowered, "haloExchange");
    expect(exchanges.map((op) => (op.op === "haloExchange" ? `${op.axis} ${op.dim} ${op.halo}` : ""))).toEqual(["model height 1", "model height 1"]);
    const text = printProgram(lowered);
    expect(text).toContain("{data: replicated, model: split(height)+halo(1)} local [batch=2 height=4 width=4 c_in=2]");
    expect(text).toMatch(/conv2d height=height .* halo=height %\d+ %\d+/);
    const first = haloBytes(batch * width * c_in, 4, 8);
    const second = haloBytes(batch * width * c_out, 4, 8);
    const counted = stats.get("collectivePermute", "model");
    expect(counted.calls).toBe(8 * 4);
    expect(counted.payloadBytes).toBe(first.payload + second.payload);
    expect(counted.wireBytes).toBe(first.wire + second.wire);
  });

  it("2-D (batch:data, height:model) and both spatial dims split (height:data, width:model, corners included)", async () => {
    const twoD = await runChecked(convNet.build(mesh2x4, "batch:data, height:model"));
    const rows = haloBytes((batch / 2) * width * c_in, 4, 8).wire + haloBytes((batch / 2) * width * c_out, 4, 8).wire;
    expect(twoD.stats.get("collectivePermute", "model").wireBytes).toBe(rows);
    const both = await runChecked(convNet.build(mesh2x4, "height:data, width:model"));
    const exchanges = opsOf(both.lowered, "haloExchange").map((op) => (op.op === "haloExchange" ? op.axis : ""));
    expect(exchanges).toEqual(["data", "model", "data", "model"]);
    // The width exchange sends columns of the height-extended block (4 + 2 rows): that is how the corners travel.
    const columns = haloBytes(batch * (height / 2 + 2) * c_in, 4, 8).wire + haloBytes(batch * (height / 2 + 2) * c_out, 4, 8).wire;
    expect(both.stats.get("collectivePermute", "model").wireBytes).toBe(columns);
  });

  it("explain's collectivePermute bytes equal what the simulated mesh counts, per device", async () => {
    const layouts = validLayouts(convNet, mesh2x4).filter((layout) => /height:|width:/.test(layout));
    expect(layouts.length).toBeGreaterThan(10);
    for (const layout of layouts.slice(0, 30)) {
      const program = convNet.build(mesh2x4, layout);
      const lowered = compileProgram(program);
      const { stats } = await runLowered(lowered, makeInputs(program, 1));
      const table = explainProgram(lowered);
      const counted = stats.get("collectivePermute");
      expect(table.bytesByCollective.collectivePermute ?? 0, layout).toBeCloseTo(counted.payloadBytes / 8);
      expect(table.wireBytesByCollective.collectivePermute ?? 0, layout).toBeCloseTo(counted.wireBytes / 8);
    }
  });

  it("MT3002: a halo longer than a device's block, naming the conv, the dim, the axis and the sizes", () => {
    const build = (window: number) => {
      const b = new ProgramBuilder({ name: "wide", mesh: mesh2x4, layoutSpec: "width:model" });
      const x = b.param("x", [{ name: "height", size: 4 }, { name: "width", size: 4 }, { name: "c", size: 1 }], fixtureLoc(2));
      const k = b.param("k", [{ name: "kh", size: 1 }, { name: "kw", size: window }, { name: "c", size: 1 }, { name: "o", size: 1 }], fixtureLoc(2));
      const spec = { height: "height", width: "width", kernelHeight: "kh", kernelWidth: "kw", in: "c", out: "o", padding: { height: "same", width: "same" } } as const;
      b.setResult(b.add({ op: "conv2d", ...spec }, [x, k], { loc: fixtureLoc(3) }));
      return b.finish();
    };
    expect(() => compileProgram(build(3))).not.toThrow();
    let error: unknown;
    try {
      compileProgram(build(5));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CompileError);
    const [first] = (error as CompileError).diagnostics;
    expect(first.code).toBe("MT3002");
    expect(first.loc).toEqual(fixtureLoc(3));
    expect(first.message).toBe(
      'conv2d at fixture.ts:3:3 splits "width" over mesh axis "model", so each device needs 2 rows of "width" from each neighbour (window "kw" has size 5), ' +
        "but a device holds only 1 (4 over 4 devices): a halo cannot reach past the next device.",
    );
    expect(first.hint).toContain('Make "width" at least 8 long, split it over a smaller axis, or leave "width" unsplit (remove "width:model"');
  });
});
