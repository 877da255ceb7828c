import { describe, expect, it } from "vitest";
import type { MeshAxis } from "../../../dsl/mesh.ts";
import { explainProgram } from "../../explain/explainRows.ts";
import { ProgramBuilder } from "../../ir/builder.ts";
import type { Program } from "../../ir/ir.ts";
import { walkOps } from "../../ir/opAttrs.ts";
import { makeInputs, maxDifference, runEager, runLowered } from "../../testing/harness.ts";
import { validLayouts } from "../../testing/layouts.ts";
import { allFixtures, einsumChain, mlp } from "../../testing/programs.ts";
import { compileProgram } from "../pipeline.ts";

const mesh2x2: readonly MeshAxis[] = [{ name: "data", size: 2 }, { name: "model", size: 2 }];

function collectives(program: Program): string[] {
  return [...walkOps(program.body)].filter((op) => ["allReduce", "allGather", "reduceScatter", "allToAll"].includes(op.op)).map((op) => `${op.op}@${"axis" in op ? op.axis : ""}`);
}

async function runChecked(program: Program) {
  const lowered = compileProgram(program);
  const args = makeInputs(program, 3);
  const { result, stats } = await runLowered(lowered, args);
  expect(maxDifference(result, await runEager(program, args))).toBeLessThan(1e-4);
  return { lowered, stats };
}

describe("communication", () => {
  it("Megatron MLP (batch:data, d_ff:model) does one all-reduce of batch x seq x d_model per forward", async () => {
    const { lowered, stats } = await runChecked(mlp.build(mesh2x2, "batch:data, d_ff:model"));
    expect(collectives(lowered)).toEqual(["allReduce@model"]);
    const { batch, seq, d_model } = mlp.sizes;
    const perDevice = 4 * (batch / 2) * seq * d_model;
    expect(stats.entries().filter((entry) => entry.kind !== "localSlice")).toEqual([
      { kind: "allReduce", axis: "model", calls: 4, payloadBytes: 4 * perDevice, wireBytes: 4 * perDevice },
    ]);
  });

  it("reduces a partial value that is to be split with a reduce-scatter, not all-reduce + slice", async () => {
    const b = new ProgramBuilder({ name: "scatter", mesh: mesh2x2, layoutSpec: "d_in:model" });
    const x = b.param("x", [{ name: "batch", size: 4 }, { name: "d_in", size: 4 }]);
    const w = b.param("w", [{ name: "d_in", size: 4 }, { name: "d_out", size: 8 }]);
    const y = b.add({ op: "einsum" }, [x, w], { out: ["batch", "d_out"], hint: "y" });
    b.setResult(b.add({ op: "relayout", rules: [{ dim: "d_out", axis: "model" }] }, [y], { hint: "z" }));
    const { lowered, stats } = await runChecked(b.finish());
    expect(collectives(lowered)).toEqual(["reduceScatter@model"]);
    expect(stats.get("reduceScatter", "model").payloadBytes).toBe(4 * 4 * 4 * 8);
    expect(stats.get("allReduce").calls).toBe(0);
  });

  it("keeps sums of partial values lazy: one all-reduce for three contractions over a split dim", async () => {
    const { lowered } = await runChecked(einsumChain.build(mesh2x2, "d_in:model, batch:data"));
    expect(collectives(lowered)).toEqual(["allReduce@model"]);
    const partials = [...lowered.values.values()].filter((value) => value.sharding?.model.kind === "partial").map((value) => value.hint);
    expect(partials).toEqual(expect.arrayContaining(["h", "y1", "y2", "sum", "scaled"]));
  });

  it("multiplies two partial sums only after reducing both (a product of sums is not a sum of products)", async () => {
    const build = (fn: "add" | "mul") => {
      const b = new ProgramBuilder({ name: fn, mesh: mesh2x2, layoutSpec: "k:model" });
      const x = b.param("x", [{ name: "a", size: 4 }, { name: "k", size: 4 }]);
      const w1 = b.param("w1", [{ name: "k", size: 4 }, { name: "c", size: 2 }]);
      const w2 = b.param("w2", [{ name: "k", size: 4 }, { name: "c", size: 2 }]);
      const y1 = b.add({ op: "einsum" }, [x, w1], { out: ["a", "c"] });
      const y2 = b.add({ op: "einsum" }, [x, w2], { out: ["a", "c"] });
      b.setResult(b.add({ op: "binary", fn }, [y1, y2]));
      return b.finish();
    };
    expect(collectives((await runChecked(build("mul"))).lowered)).toEqual(["allReduce@model", "allReduce@model"]);
    expect(collectives((await runChecked(build("add"))).lowered)).toEqual(["allReduce@model"]);
  });

  it("softmax over a split vocab all-reduces a max and a sum, and gathers nothing", async () => {
    const softmax = allFixtures.find((fixture) => fixture.name === "softmax");
    const { lowered } = await runChecked(softmax!.build(mesh2x2, "vocab:model"));
    expect(collectives(lowered).sort()).toEqual(["allReduce@model", "allReduce@model"]);
    const reduces = [...walkOps(lowered.body)].filter((op) => op.op === "allReduce").map((op) => (op.op === "allReduce" ? op.reduce : ""));
    expect(reduces.sort()).toEqual(["max", "sum"]);
  });

  it("explain's bytes per collective equal what the simulated mesh counts per device", async () => {
    for (const fixture of allFixtures) {
      for (const layout of validLayouts(fixture, mesh2x2).slice(0, 6)) {
        const program = fixture.build(mesh2x2, layout);
        const lowered = compileProgram(program);
        const { stats } = await runLowered(lowered, makeInputs(program, 1, { ids: fixture.sizes.vocab ?? 1 }));
        const table = explainProgram(lowered);
        for (const kind of ["allReduce", "allGather", "reduceScatter", "allToAll"] as const) {
          const counted = stats.get(kind);
          expect(table.bytesByCollective[kind] ?? 0, `${fixture.name} "${layout}" ${kind}`).toBeCloseTo(counted.payloadBytes / 4);
          expect(table.wireBytesByCollective[kind] ?? 0, `${fixture.name} "${layout}" ${kind} wire`).toBeCloseTo(counted.wireBytes / 4);
        }
      }
    }
  });
});
