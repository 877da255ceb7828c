import { describe, expect, it } from "vitest";
import { cluster } from "../../dsl/cluster.ts";
import { collectiveSeconds, ncclLatency } from "./collectives.ts";
import { describePlacement, placeMesh, type MeshPlacement } from "./meshPlacement.ts";

const a100 = cluster("a100", { nodes: 4 });

function placed(mesh: { name: string; size: number }[], spec = a100): MeshPlacement {
  const placement = placeMesh(mesh, spec);
  if ("error" in placement) throw new Error(placement.error);
  return placement;
}

describe("placeMesh", () => {
  it("puts the last mesh axis inside a node, as the torch back end ranks devices row-major", () => {
    const placement = placed([{ name: "data", size: 4 }, { name: "model", size: 8 }]);
    expect(placement.nodesUsed).toBe(4);
    expect(placement.axes).toEqual([
      { axis: "data", size: 4, nodes: 4, membersPerNode: 1 },
      { axis: "model", size: 8, nodes: 1, membersPerNode: 8 },
    ]);
    expect(describePlacement([{ name: "data", size: 4 }, { name: "model", size: 8 }], placement, a100)).toEqual([
      "mesh [data=4 model=8] on 4 nodes of DGX A100 (8 x A100-SXM4-80GB): 32 devices, ranked row-major (last axis innermost)",
      "  data: across 4 nodes, 1 per node (8 x 200 Gb/s HDR InfiniBand per node)",
      "  model: inside a node (8 devices over NVLink 3 / NVSwitch)",
    ]);
  });

  it("finds the groups that span nodes with several members each", () => {
    const placement = placed([{ name: "model", size: 2 }, { name: "data", size: 16 }]);
    expect(placement.axes).toEqual([
      { axis: "model", size: 2, nodes: 2, membersPerNode: 1 },
      { axis: "data", size: 16, nodes: 2, membersPerNode: 8 },
    ]);
  });

  it("says when the mesh has more devices than the cluster", () => {
    expect(placeMesh([{ name: "data", size: 64 }], a100)).toEqual({ error: "the mesh has 64 devices and the cluster 32 (4 nodes of 8)" });
  });
});

describe("collectiveSeconds", () => {
  it("prices a ring all-reduce inside a node as NCCL's latency plus 2(n-1)/n bytes over the bus bandwidth", () => {
    const [, model] = placed([{ name: "data", size: 4 }, { name: "model", size: 8 }]).axes;
    const bytes = 64 * 2 ** 20;
    const estimate = collectiveSeconds("allReduce", bytes, model, a100);
    const latency = ncclLatency.base + 14 * ncclLatency.ringStepNvlink;
    expect(estimate.algorithm).toBe("ring");
    expect(estimate.link).toBe("intra-node");
    expect(estimate.seconds).toBeCloseTo(latency + ((2 * 7) / 8) * bytes / 208e9, 12);
  });

  it("moves (n-1) x the shard for an all-gather and (n-1)/n for reduce-scatter and all-to-all", () => {
    const [, model] = placed([{ name: "data", size: 4 }, { name: "model", size: 8 }]).axes;
    expect(collectiveSeconds("allGather", 1e6, model, a100).bytesMoved).toBe(7e6);
    expect(collectiveSeconds("reduceScatter", 8e6, model, a100).bytesMoved).toBe(7e6);
    expect(collectiveSeconds("allToAll", 8e6, model, a100).bytesMoved).toBe(7e6);
    expect(collectiveSeconds("collectivePermute", 1e6, model, a100).bytesMoved).toBe(1e6);
  });

  it("holds a group that spans nodes to its share of the node's NICs", () => {
    const [data] = placed([{ name: "data", size: 4 }, { name: "model", size: 8 }]).axes;
    const perGpuNic = (8 * 25e9 * (24 / 25)) / 8;
    const estimate = collectiveSeconds("allReduce", 1e9, data, a100, "ring");
    expect(estimate.link).toBe("network");
    expect(estimate.busBandwidth).toBeCloseTo(perGpuNic, 3);
    // A group with all 8 GPUs of each node gets all 8 NICs (192 GB/s, below NVLink's 208).
    const [wide] = placed([{ name: "data", size: 32 }]).axes;
    expect(collectiveSeconds("allReduce", 1e9, wide, a100, "ring").busBandwidth).toBeCloseTo(8 * perGpuNic, 3);
    // With a slower NVLink than the NICs, NVLink bounds it.
    const slowLink = cluster("a100", { nodes: 4, intraNode: { busBandwidth: 100e9 } });
    expect(collectiveSeconds("allReduce", 1e9, wide, slowLink, "ring")).toMatchObject({ busBandwidth: 100e9, link: "intra-node" });
  });

  it("takes the tree for small all-reduces over many nodes and the ring for large ones", () => {
    const many = cluster("h100", { nodes: 64 });
    const placement = placeMesh([{ name: "data", size: 64 }, { name: "model", size: 8 }], many);
    if ("error" in placement) throw new Error(placement.error);
    expect(collectiveSeconds("allReduce", 4096, placement.axes[0], many).algorithm).toBe("tree");
    expect(collectiveSeconds("allReduce", 4e9, placement.axes[0], many).algorithm).toBe("ring");
    expect(collectiveSeconds("allReduce", 4096, placement.axes[1], many).algorithm).toBe("ring"); // inside a node: no tree
  });

  it("costs nothing on an axis of size 1", () => {
    const [one] = placed([{ name: "data", size: 1 }]).axes;
    expect(collectiveSeconds("allReduce", 1e6, one, a100).seconds).toBe(0);
  });
});
