/**
 * Simulating one training or inference step of a lowered program on a
 * cluster: place the mesh, build the task graph, schedule it, and read off
 * the step's time, memory and the mapping of the mesh onto the nodes.
 *
 * @example
 * const sim = simulateProgram(lowered, cluster("a100", { nodes: 4 }), { dtype: "bf16" });
 * sim.summary.stepSeconds; sim.summary.mfu; sim.memory.peakBytes;
 */
import type { ClusterSpec } from "../../dsl/cluster.ts";
import { CompileError, diagnostic, type Diagnostic } from "../diagnostics/diagnostic.ts";
import { costMessages } from "../diagnostics/costMessages.ts";
import type { Program } from "../ir/ir.ts";
import { describePlacement, placeMesh } from "../cost/meshPlacement.ts";
import { profileDevices } from "../cost/profileDb.ts";
import { peakMemory, type MemoryReport } from "./memory.ts";
import { resimulate, simulate, successorsOf, type Schedule, type Successors } from "./schedule.ts";
import { summarize, type StepSummary } from "./summary.ts";
import { buildTaskGraph, withEntrySeconds, type SimulationOptions, type TaskGraph } from "./taskGraph.ts";

/** A simulated step. */
export interface Simulation {
  readonly graph: TaskGraph;
  readonly schedule: Schedule;
  readonly summary: StepSummary;
  readonly memory: MemoryReport;
  /** How the mesh sits on the cluster, one line per axis (shown in every report). */
  readonly mapping: readonly string[];
  /** Warnings: over memory (MT5102), a profile with no matching entries (MT5103). */
  readonly warnings: readonly Diagnostic[];
  /** Seconds spent building the task graph and simulating it. */
  readonly timing: { readonly buildSeconds: number; readonly simulateSeconds: number };
  /** For a step that recomputes activations: the same step simulated saving them all (what recomputation saves and costs). */
  readonly baseline?: RecomputeBaseline;
}

/** The step without activation recomputation, simulated on the same cluster with the same options. */
export interface RecomputeBaseline {
  readonly stepSeconds: number;
  readonly peakBytes: number;
  readonly savedActivationBytes: number;
}

function formatBytes(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : bytes >= 1e6 ? `${(bytes / 1e6).toFixed(2)} MB` : `${(bytes / 1e3).toFixed(2)} kB`;
}

/**
 * Simulate `program` (lowered) on `cluster`. Throws a CompileError (MT5101)
 * when the mesh has more devices than the cluster.
 */
export function simulateProgram(program: Program, cluster: ClusterSpec, options: SimulationOptions = {}): Simulation {
  const placement = placeMesh(program.mesh, cluster);
  if ("error" in placement) throw new CompileError([diagnostic(costMessages.meshDoesNotFit, { program: program.name, reason: placement.error }, program.loc)]);
  const started = performance.now();
  const graph = buildTaskGraph(program, cluster, placement, options);
  const built = performance.now();
  const schedule = simulate(graph);
  const simulated = performance.now();
  return finish(graph, schedule, { buildSeconds: (built - started) / 1000, simulateSeconds: (simulated - built) / 1000 }, options);
}

function finish(graph: TaskGraph, schedule: Schedule, timing: Simulation["timing"], options: SimulationOptions): Simulation {
  const summary = summarize(graph, schedule);
  const memory = peakMemory(graph, schedule);
  const warnings: Diagnostic[] = [];
  const program = graph.program;
  if (memory.over) {
    const holders = memory.holders.slice(0, 3).map((holder) => `${holder.name}${holder.copies > 1 ? ` x${holder.copies}` : ""} (${holder.valueClass}, ${formatBytes(holder.bytes)})`).join(", ");
    warnings.push(diagnostic(costMessages.overMemory, { program: program.name, peak: formatBytes(memory.peakBytes), capacity: formatBytes(memory.capacityBytes), holders }, program.loc));
  }
  if (options.profile !== undefined && options.profile.entries.length > 0 && graph.options.profiled === 0) {
    const has = profileDevices(options.profile).join(", ");
    if (!options.profile.entries.some((entry) => entry.device === graph.cluster.device.name && entry.dtype === graph.dtype)) {
      warnings.push(diagnostic(costMessages.profileNoEntries, { device: graph.cluster.device.name, dtype: graph.dtype, has }));
    }
  }
  return { graph, schedule, summary, memory, mapping: describePlacement(program.mesh, graph.placement, graph.cluster), warnings, timing };
}

/**
 * A search's incremental step: the simulation with other costs for some
 * entries (a profiled time, another algorithm), by delta simulation. Gives the
 * same figures as simulating the changed graph from scratch.
 */
export function resimulateWithEntrySeconds(previous: Simulation, changes: ReadonlyMap<number, number>, successors?: Successors): Simulation {
  const { graph, changed } = withEntrySeconds(previous.graph, changes);
  const started = performance.now();
  const schedule = resimulate(graph, previous.schedule, changed, successors ?? successorsOf(graph));
  return finish(graph, schedule, { buildSeconds: 0, simulateSeconds: (performance.now() - started) / 1000 }, {});
}
