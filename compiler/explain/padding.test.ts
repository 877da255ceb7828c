/**
 * explain over uneven splits: every collective's bytes (payload and ring
 * wire) are those of its padded shards, exactly as the simulated mesh counts
 * them on every device; the rows of padded values say which devices hold
 * short blocks; the simulator's collectives move the same padded payloads.
 */
import { describe, expect, it } from "vitest";
import { makeInputs, runLowered } from "../testing/harness.ts";
import { atOddSizes, paddingReaders } from "../testing/multiAxisLayouts.ts";
import { embedding, heads, relayoutProgram } from "../testing/programs.ts";
import { compileProgram } from "../passes/pipeline.ts";
import { explainProgram } from "./explainRows.ts";
import { cluster } from "../../dsl/cluster.ts";
import { simulateProgram } from "../simulate/simulate.ts";

const mesh = [{ name: "data", size: 2 }, { name: "model", size: 2 }];
const programs = [
  atOddSizes(relayoutProgram).build(mesh, "batch:padded(data), d_model:padded(model)"),
  atOddSizes(heads).build(mesh, "heads:padded(model, data)"),
  atOddSizes(embedding).build(mesh, "vocab:padded(model), d_model:padded(data)"),
  atOddSizes(paddingReaders).build(mesh, "batch:padded(model), d_in:padded(data)"),
];

describe("explain over uneven splits", () => {
  it.each(programs.map((program) => [program.name, program.layoutSpec, program] as const))("%s \"%s\": bytes by collective equal the simulated mesh's, padding included", async (_name, _spec, program) => {
    const lowered = compileProgram(program);
    const table = explainProgram(lowered);
    const { stats } = await runLowered(lowered, makeInputs(program, 3, { ids: 7 }));
    const devices = mesh.reduce((product, axis) => product * axis.size, 1);
    const counted: Record<string, { payloadBytes: number; wireBytes: number }> = {};
    for (const entry of stats.entries()) {
      if (entry.kind === "localSlice") continue;
      const total = (counted[entry.kind] ??= { payloadBytes: 0, wireBytes: 0 });
      total.payloadBytes += entry.payloadBytes;
      total.wireBytes += entry.wireBytes;
    }
    const explained = Object.keys(table.bytesByCollective).filter((kind) => kind !== "localSlice");
    expect(explained.sort()).toEqual(Object.keys(counted).sort());
    for (const kind of explained) {
      expect(table.bytesByCollective[kind] * devices, `${kind} payload`).toBeCloseTo(counted[kind].payloadBytes, 6);
      expect(table.wireBytesByCollective[kind] * devices, `${kind} wire`).toBeCloseTo(counted[kind].wireBytes, 6);
    }
  });

  it("says which devices hold short blocks: 7 ids of vocab over model=2 are 4 and 3", () => {
    const table = explainProgram(compileProgram(programs[2]));
    const table_ = table.rows.find((row) => row.value.endsWith(" table"));
    expect(table_?.localDims).toBe("[vocab=4 d_model=2]");
    expect(table_?.padding).toBe("vocab: 4 per device, 3 on model=1; d_model: 2 per device, 1 on data=1");
    expect(table.rows.filter((row) => row.padding === undefined).length).toBeGreaterThan(0);
  });

  it.each(programs.map((program) => [program.name, program.layoutSpec, program] as const))("%s \"%s\": the simulator moves the padded payload explain counts, collective by collective", (_name, _spec, program) => {
    const lowered = compileProgram(program);
    const wire = explainProgram(lowered).rows.filter((row) => row.collective !== undefined && row.collective !== "localSlice").map((row) => row.wireBytes);
    const moved = simulateProgram(lowered, cluster("h100"), { collectiveAlgorithm: "ring", dtype: "fp32" }).graph.entries
      .filter((entry) => entry.collective !== undefined && entry.opKind !== "localSlice")
      .map((entry) => entry.collective?.bytesMoved);
    expect(moved.length).toBeGreaterThan(0);
    moved.forEach((bytes, index) => expect(bytes, `collective ${index}`).toBeCloseTo(wire[index] ?? -1, 6));
  });
});
