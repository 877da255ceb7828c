/**
 * An all-reduce over several mesh axes at once (a sum pending on each): where
 * its groups lie on a cluster, and that the simulator prices the one call on
 * the whole group, moving the bytes explain counts for it.
 */
import { describe, expect, it } from "vitest";
import { cluster } from "../../dsl/cluster.ts";
import { explainProgram } from "../explain/explainRows.ts";
import { compileProgram } from "../passes/pipeline.ts";
import { simulateProgram } from "../simulate/simulate.ts";
import { reductions } from "../testing/programs.ts";
import { collectiveSeconds } from "./collectives.ts";
import { groupPlacement, placeMesh, type MeshPlacement } from "./meshPlacement.ts";

const a100 = cluster("a100", { nodes: 4 });
const mesh = [{ name: "data", size: 4 }, { name: "fsdp", size: 2 }, { name: "model", size: 4 }];

function placed(): MeshPlacement {
  const placement = placeMesh(mesh, a100);
  if ("error" in placement) throw new Error(placement.error);
  return placement;
}

describe("groupPlacement", () => {
  it("places the group of several axes: its size is their product, its nodes and members per node those of the worst group", () => {
    const placement = placed();
    // ranks row-major, 8 per node: fsdp x model is one node; data x fsdp takes 2 devices from each of 4 nodes
    expect(groupPlacement(placement, ["fsdp", "model"])).toEqual({ axis: "(fsdp, model)", size: 8, nodes: 1, membersPerNode: 8 });
    expect(groupPlacement(placement, ["data", "fsdp"])).toEqual({ axis: "(data, fsdp)", size: 8, nodes: 4, membersPerNode: 2 });
    expect(groupPlacement(placement, ["data", "model"])).toEqual({ axis: "(data, model)", size: 16, nodes: 4, membersPerNode: 4 });
    expect(groupPlacement(placement, ["model"])).toBe(placement.axes[2]);
    expect(() => groupPlacement(placement, ["data", "data"])).toThrow(/not distinct axes/);
  });

  it("one ring over the group of fsdp x model moves less than a ring over each axis in turn", () => {
    const placement = placed();
    const bytes = 64 * 2 ** 20;
    const once = collectiveSeconds("allReduce", bytes, groupPlacement(placement, ["fsdp", "model"]), a100, "ring");
    const inTurn = ["fsdp", "model"].map((axis) => collectiveSeconds("allReduce", bytes, groupPlacement(placement, [axis]), a100, "ring"));
    // 2 (8 - 1) / 8 of the payload against 2 (2 - 1) / 2 + 2 (4 - 1) / 4 of it
    expect(once.bytesMoved).toBeCloseTo(bytes * 1.75, 0);
    expect(inTurn[0].bytesMoved + inTurn[1].bytesMoved).toBeCloseTo(bytes * 2.5, 0);
  });

  it("the simulator prices a lowered all-reduce over two axes on their group, moving what explain counts", () => {
    // the max over batch and d_model, split over data and model: one all-reduce over both
    const lowered = compileProgram(reductions.build([{ name: "data", size: 2 }, { name: "model", size: 2 }], "seq:data, d_model:model"));
    const rows = explainProgram(lowered).rows.filter((row) => row.collective === "allReduce");
    expect(rows.map((row) => row.axis)).toContain("(data, model)");
    const entries = simulateProgram(lowered, cluster("h100"), { collectiveAlgorithm: "ring", dtype: "fp32" }).graph.entries.filter((entry) => entry.opKind === "allReduce");
    expect(entries.map((entry) => [entry.collective?.axis, entry.collective?.groupSize])).toEqual(rows.map((row) => [row.axis, row.axis === "(data, model)" ? 4 : 2]));
    entries.forEach((entry, index) => expect(entry.collective?.bytesMoved, `all-reduce ${index}`).toBeCloseTo(rows[index].wireBytes ?? -1, 6));
  });
});
