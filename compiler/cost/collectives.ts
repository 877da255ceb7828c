/**
 * What one collective over one mesh axis costs: an alpha-beta model in the
 * form NCCL's own tuner uses (NVIDIA/nccl, src/graph/tuning.cc,
 * `ncclTopoTuneModel`, Simple protocol): time = latency + bytes moved / bus
 * bandwidth, with
 *
 * - bus bandwidth from measured NCCL figures of the cluster (dsl/clusterPresets.ts):
 *   inside a node the NVLink bus bandwidth; a group that spans nodes is held to
 *   the network, whose per-node NICs are shared by every group of the axis that
 *   runs at the same time (SPMD: all of them), so a group with k members on a
 *   node of G devices gets k/G of that node's NIC bandwidth; the slower of the two
 *   links bounds a group that uses both;
 * - bytes moved per device, with `bytes` the device's input (as `meshtype
 *   explain` counts it): all-reduce 2(n-1)/n x bytes (ring) or 2 x bytes (tree),
 *   all-gather (n-1) x bytes, reduce-scatter and all-to-all (n-1)/n x bytes,
 *   collective-permute its bytes;
 * - latency: NCCL's base latency plus a per-step latency for each of the
 *   algorithm's steps, NVLink steps inside a node and network steps between
 *   nodes (ring: 2(n-1) steps for an all-reduce, n-1 otherwise; tree: 2 log2
 *   of the nodes, plus the chain inside each node).
 *
 * A tree all-reduce (NCCL's double binary tree, between nodes only) is taken
 * where it is faster than the ring: small messages over many nodes.
 */
import type { ClusterSpec } from "../../dsl/cluster.ts";
import type { AxisPlacement } from "./meshPlacement.ts";

/** The collectives the lowered IR has (a haloExchange is a collective-permute). */
export type CollectiveKind = "allReduce" | "allGather" | "reduceScatter" | "allToAll" | "collectivePermute";

/** How a collective is run: `auto` takes the faster of ring and tree (all-reduce only has a tree). */
export type CollectiveAlgorithm = "ring" | "tree" | "auto";

/** What one collective costs on one device. */
export interface CollectiveCostEstimate {
  readonly seconds: number;
  readonly algorithm: "ring" | "tree" | "none";
  /** Bytes the device puts on its links (the bandwidth term's numerator). */
  readonly bytesMoved: number;
  /** The bus bandwidth the bandwidth term used, bytes/s. */
  readonly busBandwidth: number;
  readonly latency: number;
  /** Which link bounds it: "NVLink" inside a node, "network" across nodes. */
  readonly link: "intra-node" | "network" | "none";
}

/**
 * NCCL's latencies for the Simple protocol, in seconds (tuning.cc: `baseLat`,
 * and `hwLat` for NVLink and NET; the network step also pays the
 * x86 net overhead of 1 us x 3 for Simple, `getNetOverhead`).
 */
export const ncclLatency = {
  base: 8.4e-6,
  ringStepNvlink: 3.4e-6,
  treeStepNvlink: 4.0e-6,
  stepNetwork: 14e-6,
  netOverhead: 3e-6,
} as const;

/** NCCL's tree all-reduce bandwidth factor (tuning.cc: `busBw * .92` for Tree AllReduce). */
const treeBandwidthFactor = 0.92;

function ringSteps(kind: CollectiveKind, n: number): number {
  if (kind === "allReduce") return 2 * (n - 1);
  if (kind === "collectivePermute") return 1;
  return n - 1;
}

function bytesMovedByRing(kind: CollectiveKind, bytes: number, n: number): number {
  switch (kind) {
    case "allReduce":
      return (2 * (n - 1) * bytes) / n;
    case "allGather":
      return (n - 1) * bytes;
    case "reduceScatter":
    case "allToAll":
      return ((n - 1) * bytes) / n;
    case "collectivePermute":
      return bytes;
  }
}

/** The bus bandwidth a group of `placement` gets for `kind`, and the link that bounds it. */
export function groupBusBandwidth(kind: CollectiveKind, placement: AxisPlacement, cluster: ClusterSpec): { bandwidth: number; link: "intra-node" | "network" } {
  const intra = kind === "allReduce" && placement.nodes === 1 ? cluster.intraNode.allReduceBusBandwidth : cluster.intraNode.busBandwidth;
  if (placement.nodes === 1) return { bandwidth: intra, link: "intra-node" };
  const network = (cluster.interNode.bandwidthPerNode * cluster.interNode.efficiency * placement.membersPerNode) / cluster.devicesPerNode;
  return placement.membersPerNode > 1 && intra < network ? { bandwidth: intra, link: "intra-node" } : { bandwidth: network, link: "network" };
}

/**
 * The time of one collective of `kind` on every device of the groups of
 * `placement` (an axis of the mesh), each device handing it `bytes`.
 *
 * @example
 * const placement = placeMesh([{ name: "model", size: 8 }], cluster("a100")).axes[0];
 * collectiveSeconds("allReduce", 64 * 2 ** 20, placement, cluster("a100")).seconds; // ~0.57 ms
 */
export function collectiveSeconds(
  kind: CollectiveKind,
  bytes: number,
  placement: AxisPlacement,
  cluster: ClusterSpec,
  algorithm: CollectiveAlgorithm = "auto",
): CollectiveCostEstimate {
  const n = placement.size;
  if (n <= 1 || bytes <= 0) return { seconds: 0, algorithm: "none", bytesMoved: 0, busBandwidth: 0, latency: 0, link: "none" };
  const { bandwidth, link } = groupBusBandwidth(kind, placement, cluster);
  const nodes = placement.nodes;
  const interSteps = nodes === 1 ? 0 : kind === "allReduce" ? 2 * (nodes - 1) : nodes - 1;
  const steps = ringSteps(kind, n);
  const intraStep = nodes > 1 ? Math.max(ncclLatency.ringStepNvlink, ncclLatency.netOverhead) : ncclLatency.ringStepNvlink;
  const ringLatency = ncclLatency.base + Math.max(0, steps - interSteps) * intraStep + Math.min(steps, interSteps) * ncclLatency.stepNetwork;
  const ringMoved = bytesMovedByRing(kind, bytes, n);
  const ring: CollectiveCostEstimate = { seconds: ringLatency + ringMoved / bandwidth, algorithm: "ring", bytesMoved: ringMoved, busBandwidth: bandwidth, latency: ringLatency, link };
  if (kind !== "allReduce" || nodes === 1 || algorithm === "ring") return ring;
  const treeLatency = ncclLatency.base + 2 * ((placement.membersPerNode - 1) * ncclLatency.treeStepNvlink + Math.log2(nodes) * ncclLatency.stepNetwork);
  const treeBandwidth = bandwidth * treeBandwidthFactor;
  const tree: CollectiveCostEstimate = { seconds: treeLatency + (2 * bytes) / treeBandwidth, algorithm: "tree", bytesMoved: 2 * bytes, busBandwidth: treeBandwidth, latency: treeLatency, link };
  if (algorithm === "tree") return tree;
  return tree.seconds < ring.seconds ? tree : ring;
}
