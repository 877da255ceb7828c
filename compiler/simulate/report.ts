/**
 * What `meshtype simulate` prints: the simulated step as text (summary,
 * memory, the mesh's mapping, the top kernels and collectives) or as one
 * JSON object with every kernel and collective (source location, local
 * shape, FLOPs, bytes, time per run and in all).
 */
import { formatDiagnostic } from "../diagnostics/diagnostic.ts";
import { formatLoc } from "../ir/printer.ts";
import type { Simulation } from "./simulate.ts";
import { valueClasses } from "./valueClasses.ts";
import type { TaskEntry } from "./taskGraph.ts";

/** `1.23 ms`, `45.6 us`, `2.345 s`. */
export function formatSeconds(seconds: number): string {
  if (seconds >= 1) return `${seconds.toFixed(3)} s`;
  if (seconds >= 1e-3) return `${(seconds * 1e3).toFixed(2)} ms`;
  return `${(seconds * 1e6).toFixed(1)} us`;
}

/** `1.23 GB`, `4.56 MB`, `7.89 kB`, `12 B` (1 GB = 1e9 bytes). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(2)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(2)} kB`;
  return `${bytes} B`;
}

function formatFlops(flops: number): string {
  if (flops >= 1e12) return `${(flops / 1e12).toFixed(2)} TFLOP`;
  if (flops >= 1e9) return `${(flops / 1e9).toFixed(2)} GFLOP`;
  return `${(flops / 1e6).toFixed(2)} MFLOP`;
}

const percent = (part: number, whole: number): string => (whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : "0.0%");

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: readonly string[]): string => cells.map((cell, column) => cell.padEnd(widths[column])).join("  ").trimEnd();
  return [line(header), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)];
}

const className: Readonly<Record<(typeof valueClasses)[number], string>> = {
  parameters: "parameters", gradients: "gradients", optimizerState: "optimizer state", savedActivations: "saved activations", inputs: "inputs", temporaries: "temporaries",
};

/** What recomputation costs (the kernels run again, their time) and saves (against the step that saves every activation). */
function recomputationLines(sim: Simulation): string[] {
  const { summary, memory, baseline } = sim;
  if (summary.recomputedTasks === 0) return [];
  const step = summary.stepSeconds;
  const cost = `Recomputation: ${summary.recomputedTasks} kernels run again, ${formatSeconds(summary.recomputeSeconds)} of compute (${percent(summary.recomputeSeconds, step)} of the step)`;
  if (baseline === undefined) return [cost];
  const saved = baseline.peakBytes - memory.peakBytes;
  return [
    `${cost}; without it: step ${formatSeconds(baseline.stepSeconds)}, peak memory ${formatBytes(baseline.peakBytes)} (${saved >= 0 ? `${formatBytes(saved)} saved` : `${formatBytes(-saved)} more`}), saved activations ${formatBytes(baseline.savedActivationBytes)} (now ${formatBytes(memory.byClass.savedActivations)})`,
  ];
}

/** The text report of one simulated program. */
export function simulationText(sim: Simulation): string {
  const { graph, summary, memory } = sim;
  const program = graph.program;
  const mesh = program.mesh.map((axis) => `${axis.name}=${axis.size}`).join(" ");
  const step = summary.stepSeconds;
  const options = graph.options;
  const lines = [
    `program ${program.name}  mesh [${mesh}]  layout "${program.layoutSpec}"  dtype ${graph.dtype}`,
    `cluster ${graph.cluster.name}`,
    ...sim.mapping,
    `kernels ${options.kernels}, overlap ${options.overlap}, recompute ${options.recompute}${options.profiled > 0 ? `, ${options.profiled} kernel(s) from the profile database` : ""}${graph.cluster.device.bf16Note && graph.dtype === "bf16" ? `\nnote: ${graph.cluster.device.bf16Note}` : ""}`,
    "",
    `Step time ${formatSeconds(step)} on every device (SPMD: all alike): compute ${formatSeconds(summary.computeSeconds)} (${percent(summary.computeSeconds, step)}), exposed communication ${formatSeconds(summary.exposedCommunicationSeconds)} (${percent(summary.exposedCommunicationSeconds, step)}), idle ${formatSeconds(summary.idleSeconds)}`,
    `Communication ${formatSeconds(summary.communicationSeconds)} in all, ${formatSeconds(summary.communicationSeconds - summary.exposedCommunicationSeconds)} of it overlapped with compute`,
    `FLOPs per device ${formatFlops(summary.modelFlops)}${summary.executedFlops !== summary.modelFlops ? ` (${formatFlops(summary.executedFlops)} executed with recomputation)` : ""}; achieved ${(summary.achievedFlops / 1e12).toFixed(1)} TFLOP/s, MFU ${(100 * summary.mfu).toFixed(1)}% of ${(summary.peakFlops / 1e12).toFixed(1)} TFLOP/s`,
    ...recomputationLines(sim),
    `Peak memory per device ${formatBytes(memory.peakBytes)} of ${formatBytes(memory.capacityBytes)} (at ${formatSeconds(memory.peakAt)}): ${valueClasses.filter((name) => memory.byClass[name] > 0).map((name) => `${className[name]} ${formatBytes(memory.byClass[name])}`).join(", ") || "nothing"}`,
    ...memory.holders.slice(0, 5).map((holder) => `  ${formatBytes(holder.bytes).padStart(10)}  ${holder.name}${holder.copies > 1 ? ` (x${holder.copies})` : ""}  ${className[holder.valueClass]}${holder.loc ? `  ${formatLoc(holder.loc)}` : ""}`),
    ...sim.warnings.map((warning) => `warning: ${formatDiagnostic(warning)}`),
    "",
    "Top kernels by time (all runs):",
    ...table(
      ["time", "share", "runs", "kernel", "source", "local shape", "FLOPs", "bytes", "bound"],
      summary.topKernels.map((item) => {
        const entry = graph.entries[item.entry];
        return [formatSeconds(item.seconds), percent(item.seconds, step), String(item.runs), entry.label, formatLoc(entry.loc), entry.localShape, formatFlops(entry.flops), formatBytes(entry.bytes), entry.detail];
      }),
    ),
    "",
    "Top collectives by time (all runs):",
    ...(summary.topCollectives.length === 0
      ? ["  none"]
      : table(
          ["time", "share", "runs", "collective", "source", "local shape", "bytes", "how"],
          summary.topCollectives.map((item) => {
            const entry = graph.entries[item.entry];
            return [formatSeconds(item.seconds), percent(item.seconds, step), String(item.runs), entry.label, formatLoc(entry.loc), entry.localShape, formatBytes(entry.bytes), entry.detail];
          }),
        )),
    "",
  ];
  return lines.join("\n");
}

/** One kernel or collective in the JSON report. */
export interface SimulationJsonEntry {
  readonly kind: TaskEntry["kind"];
  readonly op: string;
  readonly source: string;
  readonly localShape: string;
  readonly phase?: string;
  readonly flops: number;
  readonly bytes: number;
  readonly secondsPerRun: number;
  readonly runs: number;
  readonly seconds: number;
  readonly detail: string;
  readonly profiled: boolean;
  readonly collective?: TaskEntry["collective"];
}

/** The JSON report of one simulated program. */
export function simulationJson(sim: Simulation) {
  const { graph, summary, memory } = sim;
  const runs = new Int32Array(graph.entries.length);
  const seconds = new Float64Array(graph.entries.length);
  for (let task = 0; task < graph.size; task++) {
    runs[graph.entryOf[task]]++;
    seconds[graph.entryOf[task]] += graph.seconds[task];
  }
  const entries: SimulationJsonEntry[] = graph.entries.map((entry, index) => ({
    kind: entry.kind, op: entry.label, source: formatLoc(entry.loc), localShape: entry.localShape,
    ...(entry.phase === undefined ? {} : { phase: entry.phase }),
    flops: entry.flops, bytes: entry.bytes, secondsPerRun: entry.seconds, runs: runs[index], seconds: seconds[index], detail: entry.detail, profiled: entry.profiled,
    ...(entry.collective === undefined ? {} : { collective: entry.collective }),
  }));
  return {
    name: graph.program.name,
    mesh: graph.program.mesh,
    layout: graph.program.layoutSpec,
    dtype: graph.dtype,
    cluster: { name: graph.cluster.name, device: graph.cluster.device.name, nodes: graph.cluster.nodes, devicesPerNode: graph.cluster.devicesPerNode },
    mapping: sim.mapping,
    placement: graph.placement,
    options: graph.options,
    summary: {
      stepSeconds: summary.stepSeconds, computeSeconds: summary.computeSeconds, communicationSeconds: summary.communicationSeconds,
      exposedCommunicationSeconds: summary.exposedCommunicationSeconds, idleSeconds: summary.idleSeconds,
      modelFlops: summary.modelFlops, executedFlops: summary.executedFlops, achievedFlops: summary.achievedFlops, mfu: summary.mfu, peakFlops: summary.peakFlops, tasks: summary.tasks,
    },
    ...(summary.recomputedTasks === 0 ? {} : {
      recomputation: { tasks: summary.recomputedTasks, seconds: summary.recomputeSeconds, ...(sim.baseline === undefined ? {} : { without: sim.baseline }) },
    }),
    memory,
    warnings: sim.warnings,
    entries,
  };
}
