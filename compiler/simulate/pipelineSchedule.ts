/**
 * A pipeline schedule as tasks of the simulator (schedule.ts): the layers are
 * cut into S stages on S groups of devices, the batch into M micro-batches,
 * and every stage runs a forward task and a backward task per micro-batch on
 * its compute stream. Between neighbouring stages, a forward transfer sends a
 * micro-batch's activation on (stage s to s+1) and a backward transfer sends
 * its gradient back (s+1 to s), each on the link stream of its direction,
 * priced by the cost model as point-to-point sends between the devices of the
 * two stages (`pipelineLinkSeconds`). After its last backward a stage may run
 * its once-per-step work (the gradient all-reduce over its data axis and the
 * optimizer update: `stepSeconds`).
 *
 * The order of a stage's tasks is the schedule's:
 *
 * - `gpipe` (Huang et al., NeurIPS'19): every forward, then every backward;
 * - `1f1b` (PipeDream-Flush, Narayanan et al., SC21 section 2.2.1): stage s
 *   runs min(S - s - 1, M) warm-up forwards, then alternates one forward and
 *   one backward, then the remaining backwards.
 *
 * Both have the same bubble: with equal stages and free transfers each stage
 * idles (S - 1)(tf + tb) of a step of (M + S - 1)(tf + tb), the fraction
 * (S - 1)/(M + S - 1). They differ in memory: a stage holds a micro-batch's
 * saved activations from the start of its forward to the end of its backward,
 * which under GPipe is all M of them at once and under 1F1B at most S - s.
 * The simulation shows both: idle time on each stage's compute stream, and a
 * peak per stage by liveness over the schedule.
 */
import type { ClusterSpec } from "../../dsl/cluster.ts";
import { collectiveSeconds } from "../cost/collectives.ts";
import type { AxisPlacement } from "../cost/meshPlacement.ts";
import { simulate, type Schedulable, type Schedule } from "./schedule.ts";

/** The two schedules (the pipeline option's `schedule`). */
export type PipelineScheduleKind = "gpipe" | "1f1b";

/** What one stage costs, per micro-batch unless said otherwise. */
export interface PipelineStageCost {
  /** Forward of one micro-batch through the stage's layers, seconds. */
  readonly forwardSeconds: number;
  /** Backward of one micro-batch (with any recomputation), seconds. */
  readonly backwardSeconds: number;
  /** Bytes per device a micro-batch holds from its forward to its backward (saved activations). */
  readonly activationBytes: number;
  /** Bytes per device held the whole step: parameters, gradients, optimizer state. */
  readonly staticBytes: number;
  /** Bytes per device a running forward or backward needs beyond what is held (default 0). */
  readonly workingBytes?: number;
  /** Once per step, after the stage's last backward: gradient all-reduce over its data axis, optimizer update (default 0). */
  readonly stepSeconds?: number;
}

/** A pipeline to simulate. */
export interface PipelineSpec {
  readonly schedule: PipelineScheduleKind;
  readonly microbatches: number;
  readonly stages: readonly PipelineStageCost[];
  /** Seconds of the forward transfer from stage s to s + 1 (one micro-batch's activation); index s. */
  readonly forwardTransferSeconds: readonly number[];
  /** Seconds of the backward transfer from stage s + 1 to s (its gradient); index s. Default: the forward's. */
  readonly backwardTransferSeconds?: readonly number[];
}

/** What a task of the pipeline is. */
export const pipelineTaskKinds = ["forward", "backward", "sendForward", "sendBackward", "step"] as const;

/** One of `pipelineTaskKinds`. */
export type PipelineTaskKind = (typeof pipelineTaskKinds)[number];

/** The pipeline's task graph: a `Schedulable` with, for each task, its kind, stage and micro-batch. */
export interface PipelineTaskGraph extends Schedulable {
  readonly stream: Uint16Array;
  readonly streams: number;
  /** Index into `pipelineTaskKinds`. */
  readonly kind: Uint8Array;
  /** The stage whose devices run it (a transfer: the sending stage). */
  readonly stage: Int32Array;
  /** The micro-batch (-1 for a step task). */
  readonly microbatch: Int32Array;
}

/** The figures of one stage over a simulated step. */
export interface PipelineStageReport {
  /** Seconds its compute stream runs forwards and backwards. */
  readonly busySeconds: number;
  /** Seconds it waits between the pipeline's start and its last backward's end, against the last stage to finish. */
  readonly idleSeconds: number;
  /** idle / (the time from the step's start to the last backward of any stage). */
  readonly bubbleFraction: number;
  /** Most micro-batches whose activations it holds at once. */
  readonly peakInFlight: number;
  /** Peak bytes per device: static + in-flight activations + working memory. */
  readonly peakBytes: number;
}

/** A simulated pipelined step. */
export interface PipelineSimulation {
  readonly graph: PipelineTaskGraph;
  readonly schedule: Schedule;
  /** The step: the last end of any task, step tasks included. */
  readonly stepSeconds: number;
  /** Time from the start to the last backward of any stage (the pipeline proper). */
  readonly pipelineSeconds: number;
  readonly stages: readonly PipelineStageReport[];
  /** The mean of the stages' bubble fractions. */
  readonly bubbleFraction: number;
  /** The largest per-stage peak. */
  readonly peakBytes: number;
}

/** The order of stage `stage`'s forwards (+m) and backwards (-(m + 1)) under `schedule`. */
export function stageOrder(schedule: PipelineScheduleKind, stages: number, microbatches: number, stage: number): number[] {
  const order: number[] = [];
  const backward = (m: number): number => -(m + 1);
  if (schedule === "gpipe") {
    for (let m = 0; m < microbatches; m++) order.push(m);
    for (let m = 0; m < microbatches; m++) order.push(backward(m));
    return order;
  }
  const warmup = Math.min(stages - stage - 1, microbatches);
  for (let m = 0; m < warmup; m++) order.push(m);
  for (let m = warmup; m < microbatches; m++) order.push(m, backward(m - warmup));
  for (let m = microbatches - warmup; m < microbatches; m++) order.push(backward(m));
  return order;
}

interface Node {
  readonly kind: PipelineTaskKind;
  readonly stage: number;
  readonly microbatch: number;
  readonly stream: number;
  readonly seconds: number;
  readonly deps: readonly string[];
}

const key = (kind: PipelineTaskKind, stage: number, microbatch: number): string => `${kind}:${stage}:${microbatch}`;

/**
 * The task graph of `spec`: the stages' tasks in schedule order, interleaved
 * in an issue order where every task comes after what it depends on (a stage
 * issues its next task once its inputs are issued). Throws on a schedule that
 * deadlocks (none of the two does) or a malformed spec.
 */
export function buildPipelineGraph(spec: PipelineSpec): PipelineTaskGraph {
  const count = spec.stages.length;
  const micro = spec.microbatches;
  if (count < 1 || !Number.isInteger(micro) || micro < 1) throw new Error(`pipeline: ${count} stages and ${micro} micro-batches (need at least 1 of each)`);
  if (spec.forwardTransferSeconds.length < count - 1) throw new Error(`pipeline: ${count} stages need ${count - 1} transfer times, got ${spec.forwardTransferSeconds.length}`);
  if (3 * count > 65535) throw new Error(`pipeline: ${count} stages is too many`);
  const backTransfer = spec.backwardTransferSeconds ?? spec.forwardTransferSeconds;
  // streams: stage s computes on s, sends forward on count + s, sends backward (from s + 1 to s) on 2 count + s
  const sequences: Node[][] = spec.stages.map((cost, stage) => {
    const nodes: Node[] = [];
    for (const entry of stageOrder(spec.schedule, count, micro, stage)) {
      if (entry >= 0) {
        nodes.push({ kind: "forward", stage, microbatch: entry, stream: stage, seconds: cost.forwardSeconds, deps: stage > 0 ? [key("sendForward", stage - 1, entry)] : [] });
        if (stage < count - 1) nodes.push({ kind: "sendForward", stage, microbatch: entry, stream: count + stage, seconds: spec.forwardTransferSeconds[stage], deps: [key("forward", stage, entry)] });
      } else {
        const m = -entry - 1;
        nodes.push({ kind: "backward", stage, microbatch: m, stream: stage, seconds: cost.backwardSeconds, deps: [key("forward", stage, m), ...(stage < count - 1 ? [key("sendBackward", stage + 1, m)] : [])] });
        // the gradient of the stage's input goes back on the link between stage - 1 and stage
        if (stage > 0) nodes.push({ kind: "sendBackward", stage, microbatch: m, stream: 2 * count + stage - 1, seconds: backTransfer[stage - 1], deps: [key("backward", stage, m)] });
      }
    }
    if ((cost.stepSeconds ?? 0) > 0) nodes.push({ kind: "step", stage, microbatch: -1, stream: stage, seconds: cost.stepSeconds ?? 0, deps: [] });
    return nodes;
  });
  const index = new Map<string, number>();
  const emitted: Node[] = [];
  const next = new Array<number>(count).fill(0);
  for (let progress = true; progress;) {
    progress = false;
    for (let stage = 0; stage < count; stage++) {
      const sequence = sequences[stage];
      while (next[stage] < sequence.length && sequence[next[stage]].deps.every((dep) => index.has(dep))) {
        const node = sequence[next[stage]++];
        index.set(key(node.kind, node.stage, node.microbatch), emitted.length);
        emitted.push(node);
        progress = true;
      }
    }
  }
  const stuck = sequences.findIndex((sequence, stage) => next[stage] < sequence.length);
  if (stuck >= 0) {
    const node = sequences[stuck][next[stuck]];
    throw new Error(`pipeline: the ${spec.schedule} schedule deadlocks at stage ${stuck}, ${node.kind} of micro-batch ${node.microbatch}`);
  }
  const depStart = [0];
  const deps: number[] = [];
  for (const node of emitted) {
    for (const dep of node.deps) deps.push(index.get(dep) as number);
    depStart.push(deps.length);
  }
  return {
    size: emitted.length,
    streams: 3 * count,
    stream: Uint16Array.from(emitted.map((node) => node.stream)),
    seconds: Float64Array.from(emitted.map((node) => node.seconds)),
    depStart: Int32Array.from(depStart),
    deps: Int32Array.from(deps),
    kind: Uint8Array.from(emitted.map((node) => pipelineTaskKinds.indexOf(node.kind))),
    stage: Int32Array.from(emitted.map((node) => node.stage)),
    microbatch: Int32Array.from(emitted.map((node) => node.microbatch)),
  };
}

/** Simulate `spec` (see the module comment). */
export function simulatePipeline(spec: PipelineSpec): PipelineSimulation {
  const graph = buildPipelineGraph(spec);
  const schedule = simulate(graph);
  const count = spec.stages.length;
  const forward = pipelineTaskKinds.indexOf("forward");
  const backward = pipelineTaskKinds.indexOf("backward");
  const busy = new Float64Array(count);
  const held: { at: number; delta: number }[][] = spec.stages.map(() => []);
  let pipelineSeconds = 0;
  for (let task = 0; task < graph.size; task++) {
    const kind = graph.kind[task];
    if (kind !== forward && kind !== backward) continue;
    const stage = graph.stage[task];
    busy[stage] += graph.seconds[task];
    if (schedule.end[task] > pipelineSeconds) pipelineSeconds = schedule.end[task];
    // a micro-batch's activations: held from its forward's start to its backward's end
    held[stage].push(kind === forward ? { at: schedule.start[task], delta: 1 } : { at: schedule.end[task], delta: -1 });
  }
  const stages = spec.stages.map((cost, stage): PipelineStageReport => {
    // at equal times a release goes first (a buffer freed at t is reusable at t)
    const events = held[stage].sort((first, second) => first.at - second.at || first.delta - second.delta);
    let live = 0;
    let peakInFlight = 0;
    for (const event of events) {
      live += event.delta;
      if (live > peakInFlight) peakInFlight = live;
    }
    const idleSeconds = Math.max(0, pipelineSeconds - busy[stage]);
    return {
      busySeconds: busy[stage], idleSeconds, bubbleFraction: pipelineSeconds > 0 ? idleSeconds / pipelineSeconds : 0, peakInFlight,
      peakBytes: cost.staticBytes + peakInFlight * cost.activationBytes + (cost.workingBytes ?? 0),
    };
  });
  return {
    graph, schedule, stepSeconds: schedule.makespan, pipelineSeconds, stages,
    bubbleFraction: stages.reduce((total, stage) => total + stage.bubbleFraction, 0) / count,
    peakBytes: Math.max(...stages.map((stage) => stage.peakBytes)),
  };
}

/**
 * Where the point-to-point link between stage `boundary` and `boundary + 1`
 * lies, for stages of `devicesPerStage` consecutive ranks (the pipeline axis
 * outermost, as meshtype ranks a mesh row-major): every device of the stage
 * sends to the device at the same place in the next one, all at once, so a
 * pair that spans nodes has one member per node and shares its node's NICs
 * with the node's other pairs (compiler/cost/collectives.ts).
 */
export function pipelineLinkPlacement(boundary: number, devicesPerStage: number, devicesPerNode: number): AxisPlacement {
  let across = false;
  for (let local = 0; local < devicesPerStage && !across; local++) {
    const from = boundary * devicesPerStage + local;
    across = Math.floor(from / devicesPerNode) !== Math.floor((from + devicesPerStage) / devicesPerNode);
  }
  return across ? { axis: "pipe", size: 2, nodes: 2, membersPerNode: 1 } : { axis: "pipe", size: 2, nodes: 1, membersPerNode: 2 };
}

/** Seconds to send `bytes` per device from stage `boundary` to the next (cost model: a collective-permute on the pair's link). */
export function pipelineLinkSeconds(bytes: number, boundary: number, devicesPerStage: number, cluster: ClusterSpec): number {
  return collectiveSeconds("collectivePermute", bytes, pipelineLinkPlacement(boundary, devicesPerStage, cluster.devicesPerNode), cluster).seconds;
}
