/**
 * How a mesh sits on a cluster. Devices are numbered row-major over the mesh
 * axes (the last axis varies fastest), as the torch back end ranks them
 * (compiler/backend/torch/runtime/meshtype_torch/mesh.py), and rank r runs on
 * node floor(r / devicesPerNode): the last mesh axis is innermost, inside a
 * node. A collective over one axis runs on every group of that axis at once;
 * what it costs depends on how many nodes a group spans and how many of its
 * members share a node (they share that node's NICs).
 */
import type { ClusterSpec } from "../../dsl/cluster.ts";
import type { MeshAxis } from "../../dsl/mesh.ts";

/** Where the groups of one mesh axis lie (the worst group, where groups differ). */
export interface AxisPlacement {
  readonly axis: string;
  /** Devices in a group (the axis size). */
  readonly size: number;
  /** Nodes one group spans (1: the group stays inside a node and talks over NVLink). */
  readonly nodes: number;
  /** Members of one group on one node (the most on any node). */
  readonly membersPerNode: number;
}

/** A mesh on a cluster: devices and nodes used, and each axis's placement. */
export interface MeshPlacement {
  readonly devices: number;
  readonly devicesPerNode: number;
  /** Nodes the mesh occupies: ceil(devices / devicesPerNode). */
  readonly nodesUsed: number;
  readonly axes: readonly AxisPlacement[];
}

/** The placement of `mesh` on `cluster`, or the reason it does not fit. */
export function placeMesh(mesh: readonly MeshAxis[], cluster: ClusterSpec): MeshPlacement | { readonly error: string } {
  const devices = mesh.reduce((product, axis) => product * axis.size, 1);
  const perNode = cluster.devicesPerNode;
  const nodesUsed = Math.ceil(devices / perNode);
  if (nodesUsed > cluster.nodes) {
    return { error: `the mesh has ${devices} devices and the cluster ${cluster.nodes * perNode} (${cluster.nodes} node${cluster.nodes === 1 ? "" : "s"} of ${perNode})` };
  }
  const axes = mesh.map((axis, index) => {
    const stride = mesh.slice(index + 1).reduce((product, later) => product * later.size, 1);
    return { axis: axis.name, size: axis.size, ...worstGroup(devices, axis.size, stride, perNode) };
  });
  return { devices, devicesPerNode: perNode, nodesUsed, axes };
}

/** The group of the axis (size, stride) that spans the most nodes, with its most members on one node. */
function worstGroup(devices: number, size: number, stride: number, perNode: number): { nodes: number; membersPerNode: number } {
  let nodes = 1;
  let membersPerNode = 1;
  const span = size * stride;
  // A group is {base + k * stride}: base runs over the devices whose axis coordinate is 0.
  for (let block = 0; block < devices; block += span) {
    for (let offset = 0; offset < stride; offset++) {
      const count = new Map<number, number>();
      for (let k = 0; k < size; k++) {
        const node = Math.floor((block + offset + k * stride) / perNode);
        count.set(node, (count.get(node) ?? 0) + 1);
      }
      nodes = Math.max(nodes, count.size);
      membersPerNode = Math.max(membersPerNode, ...count.values());
      if (count.size === 1 && span <= perNode && perNode % span === 0) return { nodes, membersPerNode };
    }
  }
  return { nodes, membersPerNode };
}

/** `model: inside a node (8 per node, NVLink 3 / NVSwitch)`, `data: 16 nodes, 1 per node (8 x 200 Gb/s ...)`. */
export function describeAxisPlacement(placement: AxisPlacement, cluster: ClusterSpec): string {
  if (placement.size === 1) return `${placement.axis}: size 1, no communication`;
  if (placement.nodes === 1) return `${placement.axis}: inside a node (${placement.size} devices over ${cluster.intraNode.name})`;
  return `${placement.axis}: across ${placement.nodes} nodes, ${placement.membersPerNode} per node (${cluster.interNode.name})`;
}

/** The mapping shown in every report: mesh, cluster, nodes used and where each axis lies. */
export function describePlacement(mesh: readonly MeshAxis[], placement: MeshPlacement, cluster: ClusterSpec): string[] {
  const shape = mesh.map((axis) => `${axis.name}=${axis.size}`).join(" ");
  return [
    `mesh [${shape}] on ${placement.nodesUsed} node${placement.nodesUsed === 1 ? "" : "s"} of ${cluster.name}: ${placement.devices} devices, ranked row-major (last axis innermost)`,
    ...placement.axes.map((axis) => `  ${describeAxisPlacement(axis, cluster)}`),
  ];
}
