/**
 * The simulated timeline as a Chrome trace (the Trace Event Format that
 * chrome://tracing and Perfetto open): one process for the device, one
 * thread per stream (compute, communication), a complete event ("ph": "X")
 * per task named by its op and source location, times in microseconds.
 */
import { formatLoc } from "../ir/printer.ts";
import type { Schedule } from "./schedule.ts";
import type { TaskEntry, TaskGraph } from "./taskGraph.ts";

/** What each bar is, for colours and the trace's categories. */
export type TaskCategory = "matmul" | "memory" | "lookup" | "allReduce" | "allGather" | "reduceScatter" | "allToAll" | "collectivePermute";

/** The category of an entry. */
export function categoryOf(entry: TaskEntry): TaskCategory {
  if (entry.collective) return entry.collective.kind;
  if (entry.label.endsWith("(lookup)") || entry.label.endsWith("(scatter)")) return "lookup";
  return entry.opKind === "einsum" || entry.opKind === "conv2d" ? "matmul" : "memory";
}

/** One trace event. */
export interface TraceEvent {
  readonly name: string;
  readonly ph: "X" | "M";
  readonly pid: number;
  readonly tid: number;
  readonly ts?: number;
  readonly dur?: number;
  readonly cat?: string;
  readonly args?: Readonly<Record<string, unknown>>;
}

/** The trace file's object. */
export interface ChromeTrace {
  readonly traceEvents: readonly TraceEvent[];
  readonly displayTimeUnit: "ms";
  readonly otherData: Readonly<Record<string, string>>;
}

/** The Chrome trace of a simulated step. */
export function chromeTrace(graph: TaskGraph, schedule: Schedule): ChromeTrace {
  const events: TraceEvent[] = [
    { name: "process_name", ph: "M", pid: 0, tid: 0, args: { name: `${graph.program.name}: one device of ${graph.placement.devices} (SPMD, all alike)` } },
    { name: "thread_name", ph: "M", pid: 0, tid: 0, args: { name: "compute" } },
    { name: "thread_name", ph: "M", pid: 0, tid: 1, args: { name: "communication" } },
  ];
  for (let task = 0; task < graph.size; task++) {
    const entry = graph.entries[graph.entryOf[task]];
    const iteration = graph.iteration[task];
    events.push({
      name: `${entry.label.split(" ")[0]} ${formatLoc(entry.loc)}`,
      cat: categoryOf(entry),
      ph: "X",
      pid: 0,
      tid: entry.kind === "collective" ? 1 : 0,
      ts: schedule.start[task] * 1e6,
      dur: graph.seconds[task] * 1e6,
      args: {
        op: entry.label, localShape: entry.localShape, flops: entry.flops, bytes: entry.bytes, detail: entry.detail,
        ...(entry.phase === undefined ? {} : { phase: entry.phase }),
        ...(iteration >= 0 ? { iteration } : {}),
        ...(graph.recomputed[task] ? { recomputed: true } : {}),
      },
    });
  }
  return {
    traceEvents: events,
    displayTimeUnit: "ms",
    otherData: { cluster: graph.cluster.name, dtype: graph.dtype, kernels: graph.options.kernels, overlap: graph.options.overlap, generator: "meshtype simulate" },
  };
}
