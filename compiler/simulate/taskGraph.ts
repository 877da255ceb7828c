/**
 * The task graph of a lowered program on one device: a task per kernel
 * (compiler/cost/kernels.ts) on the compute stream and a task per collective
 * on the communication stream, with a dependency from each task to the tasks
 * that make what it reads. Loops are expanded by their trip count without
 * re-lowering: the body's kernels are planned and priced once, and every
 * iteration issues their tasks again (`entries` are the distinct kernels and
 * collectives, `tasks` their runs).
 *
 * Lowered programs are SPMD with even splits: every device runs the same
 * tasks on the same shapes, and the groups of a collective start and finish
 * together, so one device's timeline is every device's.
 *
 * The graph is stored flat (typed arrays, dependencies in CSR form) so that
 * simulating 10^5 tasks takes milliseconds (compiler/simulate/schedule.ts).
 */
import { collectiveAxes, collectiveSendDims } from "../ir/sharding.ts";
import type { ClusterSpec } from "../../dsl/cluster.ts";
import { dtypeBytes, type Dtype } from "../../dsl/dtype.ts";
import type { Op, Phase, Program, SourceLoc, ValueId, ValueTree } from "../ir/ir.ts";
import { formatDims, formatOpHead } from "../ir/printer.ts";
import { collectiveSeconds, type CollectiveAlgorithm, type CollectiveKind } from "../cost/collectives.ts";
import { kernelSeconds, matmulPrecision } from "../cost/compute.ts";
import { IdTable, planBlock, ProgramFacts, type BlockPlan, type CollectiveItem, type KernelItem, type KernelPolicy } from "../cost/kernels.ts";
import { groupPlacement, type MeshPlacement } from "../cost/meshPlacement.ts";
import { elementsOf } from "../cost/opWork.ts";
import { profileKey, ProfileLookup, type ProfileDb } from "../cost/profileDb.ts";
import { classElementBytes, classifyValues, classOf, type ValueClass } from "./valueClasses.ts";

/** How the program is run (what the defaults price: the torch back end as it is). */
export interface SimulationOptions {
  /** The element type; defaults to the program's `dtype`. */
  readonly dtype?: Dtype;
  /** `eager` (default): one kernel per op, as the torch back end emits; `fused`: fused element-wise kernels (kernels.ts). */
  readonly kernels?: KernelPolicy;
  /** `data` (default): collectives on their own stream, overlapping compute where the data allow; `none`: one stream. */
  readonly overlap?: "data" | "none";
  /** `full`: the forward runs again before the backward (activation recomputation), priced in time; default `none`. */
  readonly recompute?: "none" | "full";
  /** fp32 matmuls on TF32 tensor cores (torch's `allow_tf32`); default false, as torch. */
  readonly allowTf32?: boolean;
  readonly collectiveAlgorithm?: CollectiveAlgorithm;
  /** Measured op times that override the model where an entry matches the device and dtype. */
  readonly profile?: ProfileDb;
}

/** One distinct kernel or collective; every run of it (loop iterations, recomputation) is a task. */
export interface TaskEntry {
  readonly kind: "kernel" | "collective";
  /** `einsum`, `fused: sub mul rsqrt add (9 ops)`, `allReduce axis=model reduce=sum`. */
  readonly label: string;
  /** The root op's kind (or the collective's). */
  readonly opKind: string;
  readonly loc: SourceLoc;
  /** The local dims of what it writes. */
  readonly localShape: string;
  readonly phase?: Phase;
  readonly flops: number;
  /** Kernel: bytes read and written; collective: the device's payload (its input). */
  readonly bytes: number;
  seconds: number;
  /** Kernel: what bounds it; collective: the algorithm and link. */
  readonly detail: string;
  /** The measured time came from the profile database. */
  readonly profiled: boolean;
  /** A collective's kind, axis group and bytes moved, and the value it reads (the pipeline planner tells weight gradients from activations by it). */
  readonly collective?: { readonly kind: CollectiveKind; readonly axis: string; readonly groupSize: number; readonly bytesMoved: number; readonly input: ValueId };
}

/** A value one device holds from the start of the task that makes it to the end of its last reader. */
export interface ValueInstance {
  readonly value: ValueId;
  /** The task that makes it; -1 for a program input (held from the start). */
  readonly task: number;
  /** The last task that reads it; `size` (past the last task) for a result, -1 when nothing reads it. */
  lastUse: number;
  readonly bytes: number;
  readonly valueClass: ValueClass;
}

/** The task graph of one program on one cluster (see the module comment). */
export interface TaskGraph {
  readonly program: Program;
  readonly cluster: ClusterSpec;
  readonly placement: MeshPlacement;
  readonly dtype: Dtype;
  readonly options: Required<Omit<SimulationOptions, "profile" | "dtype">> & { readonly profiled: number };
  readonly entries: readonly TaskEntry[];
  readonly size: number;
  /** 0: compute stream, 1: communication stream. */
  readonly stream: Uint8Array;
  readonly seconds: Float64Array;
  readonly entryOf: Int32Array;
  /** The dependencies of task i are `deps[depStart[i] .. depStart[i + 1])`, all earlier tasks. */
  readonly depStart: Int32Array;
  readonly deps: Int32Array;
  /** 1 for a task that recomputes a forward task. */
  readonly recomputed: Uint8Array;
  /** The loop iteration of each task (innermost loop), -1 outside loops. */
  readonly iteration: Int32Array;
  readonly instances: readonly ValueInstance[];
}

interface Ref {
  readonly task: number;
  readonly instance: number;
}

class Env {
  private readonly map = new Map<ValueId, Ref>();
  constructor(private readonly parent?: Env) {}
  get(id: ValueId): Ref {
    for (let env: Env | undefined = this; env; env = env.parent) {
      const found = env.map.get(id);
      if (found) return found;
    }
    throw new Error(`taskGraph: %${id} is read before it is defined`);
  }
  set(id: ValueId, ref: Ref): void {
    this.map.set(id, ref);
  }
}

function treeLeaves(tree: ValueTree, out: ValueId[] = []): ValueId[] {
  if (tree.kind === "tensor") out.push(tree.value);
  else if (tree.kind === "array") tree.items.forEach((item) => treeLeaves(item, out));
  else Object.values(tree.fields).forEach((item) => treeLeaves(item, out));
  return out;
}

/** `base` with string fields computed on first read (enumerable, so a spread copies their values). */
function lazyStrings<T extends object>(base: T, fields: Readonly<Record<"label" | "localShape" | "detail", () => string>>): TaskEntry {
  for (const [name, compute] of Object.entries(fields)) {
    let cached: string | undefined;
    Object.defineProperty(base, name, { enumerable: true, configurable: true, get: () => (cached ??= compute()) });
  }
  return base as unknown as TaskEntry;
}

const collectiveKindOf = (op: Op): CollectiveKind => (op.op === "haloExchange" ? "collectivePermute" : (op.op as CollectiveKind));

class Builder {
  readonly facts: ProgramFacts;
  readonly classes: IdTable<ValueClass>;
  readonly entries: TaskEntry[] = [];
  private readonly entryIndex = new Map<KernelItem | CollectiveItem, number>();
  readonly stream: number[] = [];
  readonly seconds: number[] = [];
  readonly entryOf: number[] = [];
  readonly depStart: number[] = [0];
  readonly deps: number[] = [];
  readonly recomputed: number[] = [];
  readonly iteration: number[] = [];
  readonly instances: ValueInstance[] = [];
  private readonly lookup: ProfileLookup;
  private recomputeDone = false;

  constructor(
    readonly program: Program,
    readonly cluster: ClusterSpec,
    readonly placement: MeshPlacement,
    readonly dtype: Dtype,
    readonly options: TaskGraph["options"],
    profile: ProfileDb | undefined,
  ) {
    this.facts = new ProgramFacts(program);
    this.classes = classifyValues(program, this.facts);
    this.lookup = new ProfileLookup(profile, cluster.device.name, dtype);
  }

  get profiledHits(): number {
    return this.lookup.hits;
  }

  private valueBytes(id: ValueId): number {
    return elementsOf(this.facts.localDims(id)) * classElementBytes(classOf(this.classes, id), this.dtype);
  }

  private newInstance(value: ValueId, task: number): number {
    this.instances.push({ value, task, lastUse: -1, bytes: this.valueBytes(value), valueClass: classOf(this.classes, value) });
    return this.instances.length - 1;
  }

  private read(ref: Ref, task: number): void {
    if (ref.instance >= 0) {
      const instance = this.instances[ref.instance];
      if (task > instance.lastUse) instance.lastUse = task;
    }
  }

  private addTask(entry: number, streamIndex: number, depTasks: Iterable<number>, iteration: number, recomputed = false): number {
    const index = this.stream.length;
    const unique = new Set<number>();
    for (const dep of depTasks) if (dep >= 0) unique.add(dep);
    for (const dep of unique) this.deps.push(dep);
    this.depStart.push(this.deps.length);
    this.stream.push(this.options.overlap === "none" ? 0 : streamIndex);
    this.seconds.push(this.entries[entry].seconds);
    this.entryOf.push(entry);
    this.recomputed.push(recomputed ? 1 : 0);
    this.iteration.push(iteration);
    return index;
  }

  private kernelEntry(item: KernelItem): number {
    const known = this.entryIndex.get(item);
    if (known !== undefined) return known;
    const root = item.ops[item.ops.length - 1];
    const precision = matmulPrecision(this.dtype, this.options.allowTf32);
    const estimate = kernelSeconds(item.work, this.cluster.device, precision);
    let seconds = estimate.seconds;
    let profiled = false;
    if (item.ops.length === 1 && item.flavor === undefined && this.lookup.size > 0) {
      const measured = this.lookup.seconds(profileKey(root, root.inputs.map((id) => this.facts.localDims(id)), this.facts.localDims(root.output)));
      if (measured !== undefined) [seconds, profiled] = [measured, true];
    }
    const work = item.work;
    const facts = this.facts;
    // The strings are made when a report reads them: a 175B step has 30,000 entries, a report shows a few.
    const entry = lazyStrings(
      {
        kind: "kernel", opKind: root.op, loc: root.loc,
        ...(root.phase === undefined ? {} : { phase: root.phase }),
        flops: work.kind === "view" ? 0 : work.flops, bytes: work.kind === "view" ? 0 : work.bytes, seconds, profiled,
      },
      {
        label: () => {
          const head = formatOpHead(root).replace(/ phase=\w+/, "");
          if (item.ops.length === 1) return item.flavor === undefined ? head : `${head} (${item.flavor})`;
          return `fused: ${[...new Set(item.ops.map((op) => (op.op === "unary" || op.op === "binary" || op.op === "reduce" ? op.fn : op.op)))].join(" ")} (${item.ops.length} ops)`;
        },
        localShape: () => formatDims(facts.localDims(root.output)),
        detail: () => (profiled ? "measured" : estimate.bound === "compute" ? `compute-bound, shape efficiency ${(estimate.shapeEfficiency ?? 1).toFixed(2)}` : `${estimate.bound}-bound`),
      },
    );
    this.entries.push(entry);
    this.entryIndex.set(item, this.entries.length - 1);
    return this.entries.length - 1;
  }

  private collectiveEntry(item: CollectiveItem): number {
    const known = this.entryIndex.get(item);
    if (known !== undefined) return known;
    const op = item.op;
    if (!("axis" in op)) throw new Error(`taskGraph: ${op.op} has no axis`);
    // an all-reduce over several axes at once runs on the group of all of them
    const axis = groupPlacement(this.placement, collectiveAxes(op));
    const kind = collectiveKindOf(op);
    const input = op.inputs[0];
    const elementBytes = classElementBytes(classOf(this.classes, this.facts.source(input)), this.dtype);
    // over an uneven split a reduce-scatter or all-to-all sends its input padded to equal chunks
    const inputDims = collectiveSendDims(op, this.facts.localDims(input), axis.size);
    let bytes = elementsOf(inputDims) * elementBytes;
    let estimate;
    if (op.op === "haloExchange") {
      const rows = inputDims.find((dim) => dim.name === op.dim)?.size ?? 1;
      const halo = (bytes / rows) * op.halo;
      const one = collectiveSeconds("collectivePermute", halo, axis, this.cluster);
      estimate = { ...one, seconds: 2 * one.seconds, bytesMoved: 2 * one.bytesMoved };
      bytes = 2 * halo;
    } else {
      estimate = collectiveSeconds(kind, bytes, axis, this.cluster, this.options.collectiveAlgorithm);
    }
    const producer = this.facts.producer.get(this.facts.source(input));
    const phase = producer?.phase === "forward" || (producer !== undefined && this.forwardCollective(producer)) ? "forward" : op.phase;
    const entry: TaskEntry = {
      kind: "collective", label: formatOpHead(op).replace(/ phase=\w+/, ""), opKind: op.op, loc: op.loc, localShape: formatDims(this.facts.localDims(op.output)),
      ...(phase === undefined ? {} : { phase }),
      flops: 0, bytes, seconds: estimate.seconds, profiled: false,
      detail: estimate.algorithm === "none" ? "no communication" : `${estimate.algorithm}, ${estimate.link}, ${(estimate.busBandwidth / 1e9).toFixed(0)} GB/s bus, ${(estimate.latency * 1e6).toFixed(1)} us latency`,
      collective: { kind, axis: axis.axis, groupSize: axis.size, bytesMoved: estimate.bytesMoved, input },
    };
    this.entries.push(entry);
    this.entryIndex.set(item, this.entries.length - 1);
    return this.entries.length - 1;
  }

  /** A collective whose input the forward made (it belongs to the forward). */
  private forwardCollective(op: Op): boolean {
    for (let current: Op | undefined = op; current; current = this.facts.producer.get(this.facts.source(current.inputs[0]))) {
      if (current.phase === "forward") return true;
      if (current.phase !== undefined || current.inputs.length === 0) return false;
    }
    return false;
  }

  /** Before the first backward task: issue every forward task again (full recomputation), in order. */
  private recomputeForward(): void {
    this.recomputeDone = true;
    const count = this.stream.length;
    const copyOf = new Map<number, number>();
    for (let task = 0; task < count; task++) {
      const entry = this.entries[this.entryOf[task]];
      if (entry.phase !== "forward" || this.recomputed[task]) continue;
      const deps = this.deps.slice(this.depStart[task], this.depStart[task + 1]).map((dep) => copyOf.get(dep) ?? dep);
      copyOf.set(task, this.addTask(this.entryOf[task], this.stream[task], deps, this.iteration[task], true));
    }
  }

  private maybeRecompute(phase: Phase | undefined): void {
    if (this.options.recompute === "full" && !this.recomputeDone && phase === "backward") this.recomputeForward();
  }

  emit(plan: BlockPlan, env: Env, iteration: number): void {
    for (const item of plan.items) {
      switch (item.kind) {
        case "view": {
          const op = item.op;
          if (op.op === "param") env.set(op.output, { task: -1, instance: this.newInstance(op.output, -1) });
          else env.set(op.output, env.get(op.inputs[0]));
          break;
        }
        case "kernel": {
          const entry = this.kernelEntry(item);
          this.maybeRecompute(this.entries[entry].phase);
          const refs = item.inputs.map((id) => env.get(id));
          const task = this.addTask(entry, 0, refs.map((ref) => ref.task), iteration);
          refs.forEach((ref) => this.read(ref, task));
          const writes = new Set(item.writes);
          for (const id of item.defines) env.set(id, { task, instance: writes.has(id) ? this.newInstance(id, task) : -1 });
          break;
        }
        case "collective": {
          const entry = this.collectiveEntry(item);
          this.maybeRecompute(this.entries[entry].phase);
          const ref = env.get(item.op.inputs[0]);
          const task = this.addTask(entry, 1, [ref.task], iteration);
          this.read(ref, task);
          env.set(item.op.output, { task, instance: this.newInstance(item.op.output, task) });
          break;
        }
        case "loop": {
          const loop = item.loop;
          let previous: Env | undefined;
          for (let index = 0; index < loop.count; index++) {
            const child = new Env(env);
            for (const entry of loop.carried) child.set(entry.param, previous ? previous.get(entry.result) : env.get(entry.init));
            for (const entry of loop.indexed) child.set(entry.param, env.get(entry.items[index]));
            this.emit(item.body, child, index);
            // What the body yields this iteration is in scope after the loop (JAX's scan `ys`).
            for (const entry of loop.yields ?? []) env.set(entry.items[index], child.get(entry.result));
            previous = child;
          }
          for (const entry of loop.carried) env.set(entry.output, previous ? previous.get(entry.result) : env.get(entry.init));
          break;
        }
      }
    }
  }
}

/**
 * The task graph of `program` (lowered) on `cluster`, its mesh placed by
 * `placement` (compiler/cost/meshPlacement.ts).
 */
export function buildTaskGraph(program: Program, cluster: ClusterSpec, placement: MeshPlacement, options: SimulationOptions = {}): TaskGraph {
  if (program.stage !== "lowered") throw new Error(`buildTaskGraph: "${program.name}" is not lowered`);
  const dtype = options.dtype ?? program.dtype;
  const resolved = {
    kernels: options.kernels ?? "eager",
    overlap: options.overlap ?? "data",
    recompute: options.recompute ?? "none",
    allowTf32: options.allowTf32 ?? false,
    collectiveAlgorithm: options.collectiveAlgorithm ?? "auto",
    profiled: 0,
  } as const;
  const builder = new Builder(program, cluster, placement, dtype, resolved, options.profile);
  const plan = planBlock(builder.facts, program.body, resolved.kernels, dtypeBytes[dtype]);
  const env = new Env();
  builder.emit(plan, env, -1);
  const size = builder.stream.length;
  for (const id of treeLeaves(program.result)) {
    const ref = env.get(id);
    if (ref.instance >= 0) builder.instances[ref.instance].lastUse = size;
  }
  return {
    program, cluster, placement, dtype, options: { ...resolved, profiled: builder.profiledHits },
    entries: builder.entries, size,
    stream: Uint8Array.from(builder.stream),
    seconds: Float64Array.from(builder.seconds),
    entryOf: Int32Array.from(builder.entryOf),
    depStart: Int32Array.from(builder.depStart),
    deps: Int32Array.from(builder.deps),
    recomputed: Uint8Array.from(builder.recomputed),
    iteration: Int32Array.from(builder.iteration),
    instances: builder.instances,
  };
}

/**
 * The same graph with other costs for some entries (every run of each
 * changes), and the tasks whose duration changed: the input of a delta
 * simulation (schedule.ts `resimulate`).
 */
export function withEntrySeconds(graph: TaskGraph, changes: ReadonlyMap<number, number>): { graph: TaskGraph; changed: number[] } {
  const seconds = Float64Array.from(graph.seconds);
  const entries = graph.entries.map((entry, index) => (changes.has(index) ? { ...entry, seconds: changes.get(index) as number } : entry));
  const changed: number[] = [];
  for (let task = 0; task < graph.size; task++) {
    const next = changes.get(graph.entryOf[task]);
    if (next !== undefined && next !== seconds[task]) {
      seconds[task] = next;
      changed.push(task);
    }
  }
  return { graph: { ...graph, entries, seconds }, changed };
}
