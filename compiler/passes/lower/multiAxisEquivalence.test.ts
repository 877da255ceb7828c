import { describe, expect, it } from "vitest";
import { makeInputs, maxDifference, runEager, runLowered } from "../../testing/harness.ts";
import { atOddSizes, atWideSizes, multiAxisMeshes, paddingReaders, validSampledLayouts } from "../../testing/multiAxisLayouts.ts";
import { walkOps } from "../../ir/opAttrs.ts";
import { embedding, equivalenceFixtures, mlp } from "../../testing/programs.ts";
import { compileProgram } from "../pipeline.ts";

// Every fixture on 2x2 and 2x2x2 meshes: a sample of layouts that split dims
// over several axes (either order; on 2x2x2 at sizes 8 divides), and a sample
// of uneven (padded) layouts of the fixture at odd sizes. The gathered device
// results equal eager.
describe.each([...equivalenceFixtures, paddingReaders].map((fixture) => [fixture.name, fixture] as const))("equivalence over several axes and uneven splits: %s", (_name, fixture) => {
  for (const mesh of multiAxisMeshes) {
    const shape = mesh.map((axis) => axis.size).join("x");
    const several = mesh.length > 2 ? atWideSizes(fixture) : fixture;
    for (const [kind, model, padded] of [["several axes", several, false], ["uneven (padded)", atOddSizes(fixture), true]] as const) {
      it(`matches eager under sampled layouts, ${kind}, on a ${shape} mesh`, async () => {
        const layouts = validSampledLayouts(model, mesh, 8, 17 + mesh.length, padded);
        expect(layouts.length).toBeGreaterThan(2);
        for (const layout of layouts) {
          const program = model.build(mesh, layout);
          const args = makeInputs(program, 7, { ids: model.sizes.vocab ?? 1 });
          const expected = await runEager(program, args);
          const { result } = await runLowered(compileProgram(program), args);
          expect(maxDifference(result, expected), `layout "${layout}" on ${shape}`).toBeLessThan(1e-4);
        }
      });
    }
  }
});

describe("open layouts over several axes and uneven splits", () => {
  const mesh = multiAxisMeshes[1];
  it.each([
    ["batch:padded(data, fsdp), auto", atOddSizes(mlp), "x", { data: { kind: "split", dim: "batch" }, fsdp: { kind: "split", dim: "batch", order: 1 } }],
    ["batch:(fsdp, data), auto", mlp, "x", { fsdp: { kind: "split", dim: "batch" }, data: { kind: "split", dim: "batch", order: 1 } }],
    ["vocab:padded(model), auto", atOddSizes(embedding), "table", { model: { kind: "split", dim: "vocab" } }],
  ] as const)("%s: the planner keeps the user's rule, plans the rest, and the program equals eager", async (layout, fixture, param, states) => {
    const program = fixture.build(mesh, layout);
    const lowered = compileProgram(program);
    const value = [...walkOps(lowered.body)].find((op) => op.op === "param" && op.path === param);
    expect(lowered.values.get(value?.output ?? -1)?.sharding).toMatchObject(states);
    const args = makeInputs(program, 3, { ids: fixture.sizes.vocab ?? 1 });
    const { result } = await runLowered(lowered, args);
    expect(maxDifference(result, await runEager(program, args))).toBeLessThan(1e-4);
  });
});
