/**
 * The figures of a simulated step: time, busy and exposed time per stream,
 * FLOPs and MFU, and the entries (kernels, collectives) that take the most time.
 *
 * - compute: time the compute stream is busy;
 * - exposed communication: time a collective runs while no kernel does (what
 *   overlap did not hide); with `overlap: "none"` every collective is exposed;
 * - idle: time neither runs (SPMD programs have none; pipeline bubbles later);
 * - model FLOPs: the program's own (recomputation excluded); executed FLOPs
 *   include recomputation (what Megatron-LM's "achieved teraFLOP/s" counts);
 * - MFU: model FLOPs per second over the device's dense peak for the dtype.
 */
import { matmulPrecision } from "../cost/compute.ts";
import type { Schedule } from "./schedule.ts";
import type { TaskEntry, TaskGraph } from "./taskGraph.ts";

/** An entry's share of the step. */
export interface EntryTime {
  readonly entry: number;
  readonly runs: number;
  /** Seconds of all its runs together. */
  readonly seconds: number;
}

/** The figures of one simulated step on one device (every device of an SPMD program alike). */
export interface StepSummary {
  readonly stepSeconds: number;
  readonly computeSeconds: number;
  readonly communicationSeconds: number;
  readonly exposedCommunicationSeconds: number;
  readonly idleSeconds: number;
  readonly modelFlops: number;
  readonly executedFlops: number;
  /** Executed FLOPs per second. */
  readonly achievedFlops: number;
  /** Model FLOPs per second over the dense peak of the dtype. */
  readonly mfu: number;
  readonly peakFlops: number;
  readonly tasks: number;
  /** Tasks that run forward work again (activation recomputation), and their seconds (summed, overlapped or not). */
  readonly recomputedTasks: number;
  readonly recomputeSeconds: number;
  readonly topKernels: readonly EntryTime[];
  readonly topCollectives: readonly EntryTime[];
}

/** Total length of the union of intervals given sorted by start (one stream's tasks are). */
function unionLength(starts: readonly number[], ends: readonly number[]): number {
  let total = 0;
  let from = -Infinity;
  let to = -Infinity;
  for (let index = 0; index < starts.length; index++) {
    if (starts[index] > to) {
      if (to > from) total += to - from;
      from = starts[index];
      to = ends[index];
    } else if (ends[index] > to) to = ends[index];
  }
  if (to > from) total += to - from;
  return total;
}

/** Length of the overlap of two sorted, disjoint interval lists. */
function overlapLength(aStart: readonly number[], aEnd: readonly number[], bStart: readonly number[], bEnd: readonly number[]): number {
  let total = 0;
  let i = 0;
  let j = 0;
  while (i < aStart.length && j < bStart.length) {
    const from = Math.max(aStart[i], bStart[j]);
    const to = Math.min(aEnd[i], bEnd[j]);
    if (to > from) total += to - from;
    if (aEnd[i] < bEnd[j]) i++;
    else j++;
  }
  return total;
}

/** The summary of `graph` under `schedule`; `top` entries of each kind are listed. */
export function summarize(graph: TaskGraph, schedule: Schedule, top = 10): StepSummary {
  const compute: { start: number[]; end: number[] } = { start: [], end: [] };
  const communication: { start: number[]; end: number[] } = { start: [], end: [] };
  const runs = new Int32Array(graph.entries.length);
  const time = new Float64Array(graph.entries.length);
  let modelFlops = 0;
  let executedFlops = 0;
  let recomputedTasks = 0;
  let recomputeSeconds = 0;
  for (let task = 0; task < graph.size; task++) {
    const index = graph.entryOf[task];
    const entry = graph.entries[index];
    const target = entry.kind === "kernel" ? compute : communication;
    target.start.push(schedule.start[task]);
    target.end.push(schedule.end[task]);
    runs[index]++;
    time[index] += graph.seconds[task];
    executedFlops += entry.flops;
    if (!graph.recomputed[task]) modelFlops += entry.flops;
    else {
      recomputedTasks++;
      recomputeSeconds += graph.seconds[task];
    }
  }
  // With one stream, kernels and collectives interleave; each list is still sorted by start.
  const computeBusy = unionLength(compute.start, compute.end);
  const communicationBusy = unionLength(communication.start, communication.end);
  const both = overlapLength(compute.start, compute.end, communication.start, communication.end);
  const stepSeconds = schedule.makespan;
  const peakFlops = graph.cluster.device.peakFlops[matmulPrecision(graph.dtype, graph.options.allowTf32)];
  const ranked = (kind: TaskEntry["kind"]): EntryTime[] =>
    graph.entries
      .map((entry, index) => ({ entry: index, runs: runs[index], seconds: time[index], kind: entry.kind }))
      .filter((item) => item.kind === kind && item.runs > 0)
      .sort((a, b) => b.seconds - a.seconds)
      .slice(0, top)
      .map(({ entry, runs: count, seconds }) => ({ entry, runs: count, seconds }));
  return {
    stepSeconds,
    computeSeconds: computeBusy,
    communicationSeconds: communicationBusy,
    exposedCommunicationSeconds: communicationBusy - both,
    idleSeconds: Math.max(0, stepSeconds - (computeBusy + communicationBusy - both)),
    modelFlops,
    executedFlops,
    achievedFlops: stepSeconds > 0 ? executedFlops / stepSeconds : 0,
    mfu: stepSeconds > 0 ? modelFlops / stepSeconds / peakFlops : 0,
    peakFlops,
    tasks: graph.size,
    recomputedTasks,
    recomputeSeconds,
    topKernels: ranked("kernel"),
    topCollectives: ranked("collective"),
  };
}
