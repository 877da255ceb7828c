/**
 * Clusters: the machine a program is priced on (`meshtype simulate`, the
 * planner). A cluster is nodes of identical devices; inside a node devices
 * talk over one link (NVLink / NVSwitch), between nodes over the network
 * (InfiniBand, one NIC per GPU on DGX nodes). Every figure is a plain number
 * in base units: bytes, bytes per second, FLOP per second, seconds.
 *
 * Presets (dsl/clusterPresets.ts) carry the published figures of common
 * nodes with their sources; `cluster("a100", { nodes: 16 })` takes one and
 * changes what you give, `cluster({ ... })` describes a machine of your own,
 * and a JSON file of the same shape (or `{ "preset": "a100", "nodes": 16 }`)
 * does the same from the command line.
 */
import { MeshtypeError } from "./errors.ts";
import { clusterPresets, type ClusterPresetName } from "./clusterPresets.ts";

/** The precisions a device has a peak for: plain fp32, TF32 tensor cores, bf16 tensor cores. */
export type PeakPrecision = "fp32" | "tf32" | "bf16";

/** One accelerator: its datasheet figures and what published measurements reach on it. */
export interface DeviceSpec {
  /** E.g. `"A100-SXM4-80GB"`; a profile database's entries apply to the device of this name. */
  readonly name: string;
  /** HBM capacity, bytes. */
  readonly memoryBytes: number;
  /** HBM bandwidth from the datasheet, bytes/s. */
  readonly memoryBandwidth: number;
  /** Dense peak FLOP/s per precision (no sparsity). */
  readonly peakFlops: Readonly<Record<PeakPrecision, number>>;
  /** Streaming multiprocessors: one matmul tile runs on one at a time (wave quantization). */
  readonly multiprocessors: number;
  /** What measurements reach: the asymptotes the cost model scales by shape. */
  readonly measured: {
    /** Large-matmul FLOP/s per precision (the best shapes of a matmul benchmark). */
    readonly matmulFlops: Readonly<Record<PeakPrecision, number>>;
    /** HBM bandwidth a streaming kernel reaches, bytes/s. */
    readonly memoryBandwidth: number;
    /** Time a kernel costs beyond its work (launch and tail), seconds. */
    readonly kernelOverhead: number;
  };
  /** What the device runs for a bf16 program when it has no bf16 (V100: fp16 tensor cores). */
  readonly bf16Note?: string;
}

/** The link between the devices of one node, as NCCL sees it. */
export interface IntraNodeLink {
  /** E.g. `"NVLink 3 / NVSwitch"`. */
  readonly name: string;
  /** Line rate per device per direction, bytes/s. */
  readonly bandwidth: number;
  /** NCCL bus bandwidth measured for an all-reduce over the whole node, bytes/s. */
  readonly allReduceBusBandwidth: number;
  /** NCCL bus bandwidth of the ring collectives (all-gather, reduce-scatter, all-to-all, send/receive), bytes/s. */
  readonly busBandwidth: number;
}

/** The network between nodes. */
export interface InterNodeLink {
  /** E.g. `"8 x 200 Gb/s HDR InfiniBand"`. */
  readonly name: string;
  /** Line rate of all of a node's NICs together, per direction, bytes/s. */
  readonly bandwidthPerNode: number;
  /** The fraction of the line rate NCCL reaches (bus bandwidth / line rate). */
  readonly efficiency: number;
}

/** A machine: `nodes` nodes of `devicesPerNode` devices. */
export interface ClusterSpec {
  /** E.g. `"DGX A100 (A100-SXM4-80GB)"`. */
  readonly name: string;
  readonly device: DeviceSpec;
  readonly devicesPerNode: number;
  readonly nodes: number;
  readonly intraNode: IntraNodeLink;
  readonly interNode: InterNodeLink;
  /** Where the figures come from (datasheets, papers, measurements), for reports. */
  readonly sources: readonly string[];
}

/** What `cluster(preset, changes)` may change: the node count, and any figure. */
export interface ClusterChanges {
  readonly name?: string;
  readonly nodes?: number;
  readonly devicesPerNode?: number;
  readonly device?: Partial<Omit<DeviceSpec, "measured" | "peakFlops">> & {
    readonly peakFlops?: Partial<Record<PeakPrecision, number>>;
    readonly measured?: Partial<Omit<DeviceSpec["measured"], "matmulFlops">> & { readonly matmulFlops?: Partial<Record<PeakPrecision, number>> };
  };
  readonly intraNode?: Partial<IntraNodeLink>;
  readonly interNode?: Partial<InterNodeLink>;
  readonly sources?: readonly string[];
}

/**
 * A cluster: a preset with changes, or a whole description checked field by
 * field (a bad figure throws a MeshtypeError naming it).
 *
 * @example
 * const C = cluster("a100", { nodes: 16 });        // 16 DGX A100 nodes, 128 GPUs
 * const mine = cluster("h100", { interNode: { bandwidthPerNode: 8 * 25e9 } });
 */
export function cluster(base: ClusterPresetName | ClusterSpec, changes: ClusterChanges = {}): ClusterSpec {
  const start = typeof base === "string" ? presetOrThrow(base) : base;
  return checkCluster(applyChanges(start, changes), typeof base === "string" ? `cluster("${base}")` : "cluster({...})");
}

/** The names of the presets, for messages. */
export function clusterPresetNames(): string[] {
  return Object.keys(clusterPresets);
}

function presetOrThrow(name: string): ClusterSpec {
  const preset = (clusterPresets as Readonly<Record<string, ClusterSpec>>)[name];
  if (preset === undefined) {
    throw new MeshtypeError("cluster-unknown-preset", `cluster(): no preset named "${name}" (presets: ${clusterPresetNames().join(", ")}). Use one of them, or describe the machine with cluster({ ... }).`);
  }
  return preset;
}

function applyChanges(start: ClusterSpec, changes: ClusterChanges): ClusterSpec {
  const device = changes.device ?? {};
  return {
    ...start,
    ...(changes.name === undefined ? {} : { name: changes.name }),
    ...(changes.nodes === undefined ? {} : { nodes: changes.nodes }),
    ...(changes.devicesPerNode === undefined ? {} : { devicesPerNode: changes.devicesPerNode }),
    device: {
      ...start.device,
      ...device,
      peakFlops: { ...start.device.peakFlops, ...device.peakFlops },
      measured: { ...start.device.measured, ...device.measured, matmulFlops: { ...start.device.measured.matmulFlops, ...device.measured?.matmulFlops } },
    },
    intraNode: { ...start.intraNode, ...changes.intraNode },
    interNode: { ...start.interNode, ...changes.interNode },
    ...(changes.sources === undefined ? {} : { sources: changes.sources }),
  };
}

/**
 * A cluster from parsed JSON: either a whole `ClusterSpec`, or
 * `{ "preset": "a100", ...changes }`. `what` names the source in errors.
 */
export function clusterFromJson(value: unknown, what: string): ClusterSpec {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new MeshtypeError("cluster-invalid", `${what}: a cluster is a JSON object (a whole description, or { "preset": "a100", "nodes": 4 }).`);
  }
  const { preset, ...rest } = value as Record<string, unknown>;
  if (preset !== undefined) {
    if (typeof preset !== "string") throw new MeshtypeError("cluster-invalid", `${what}: "preset" must be a preset name (${clusterPresetNames().join(", ")}).`);
    return checkCluster(applyChanges(presetOrThrow(preset), rest as ClusterChanges), what);
  }
  return checkCluster(value as ClusterSpec, what);
}

/** Every figure of `spec` present and sensible; throws a MeshtypeError naming the first that is not. */
export function checkCluster(spec: ClusterSpec, what: string): ClusterSpec {
  const bad = (path: string, expected: string): never => {
    throw new MeshtypeError("cluster-invalid", `${what}: ${path} must be ${expected}. Fix that figure (units: bytes, bytes/s, FLOP/s, seconds).`);
  };
  const positive = (path: string, read: () => unknown, integer = false): void => {
    let value: unknown;
    try {
      value = read();
    } catch {
      value = undefined;
    }
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
      bad(path, integer ? "a positive integer" : "a positive number");
    }
  };
  if (typeof spec.name !== "string" || spec.name === "") bad("name", "a non-empty string");
  if (typeof spec.device?.name !== "string" || spec.device.name === "") bad("device.name", "a non-empty string");
  positive("nodes", () => spec.nodes, true);
  positive("devicesPerNode", () => spec.devicesPerNode, true);
  positive("device.memoryBytes", () => spec.device.memoryBytes);
  positive("device.memoryBandwidth", () => spec.device.memoryBandwidth);
  positive("device.multiprocessors", () => spec.device.multiprocessors, true);
  for (const precision of ["fp32", "tf32", "bf16"] as const) {
    positive(`device.peakFlops.${precision}`, () => spec.device.peakFlops[precision]);
    positive(`device.measured.matmulFlops.${precision}`, () => spec.device.measured.matmulFlops[precision]);
  }
  positive("device.measured.memoryBandwidth", () => spec.device.measured.memoryBandwidth);
  positive("device.measured.kernelOverhead", () => spec.device.measured.kernelOverhead);
  positive("intraNode.bandwidth", () => spec.intraNode.bandwidth);
  positive("intraNode.allReduceBusBandwidth", () => spec.intraNode.allReduceBusBandwidth);
  positive("intraNode.busBandwidth", () => spec.intraNode.busBandwidth);
  positive("interNode.bandwidthPerNode", () => spec.interNode.bandwidthPerNode);
  positive("interNode.efficiency", () => spec.interNode.efficiency);
  if (spec.interNode.efficiency > 1) bad("interNode.efficiency", "a fraction of the line rate, at most 1");
  if (!Array.isArray(spec.sources)) bad("sources", "a list of strings");
  return { ...spec, intraNode: { ...spec.intraNode, name: spec.intraNode.name ?? "intra-node link" }, interNode: { ...spec.interNode, name: spec.interNode.name ?? "network" } };
}
