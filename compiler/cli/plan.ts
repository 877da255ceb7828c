/**
 * `meshtype plan <file.ts> --program P --cluster <preset|file> [--nodes N]
 * [--devices N] [--memory GB] [--json] [--write]`: search plans for one
 * program on a cluster (compiler/plan/search.ts) and print them ranked, the
 * user's own binding among them; `--write` puts the best plan's mesh and
 * layout back into the binding (compiler/plan/writePlan.ts).
 */
import * as path from "node:path";
import type { ClusterSpec } from "../../dsl/cluster.ts";
import { cliMessages } from "../diagnostics/cliMessages.ts";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.ts";
import { planCliMessages } from "../diagnostics/planCliMessages.ts";
import { findTsConfig } from "../frontend/loadProject.ts";
import { compileFiles } from "../index.ts";
import { loadSolver } from "../passes/assignShardings/optimize/solver.ts";
import { formatMesh } from "../plan/meshShapes.ts";
import { searchPlans, type PlanRow, type PlanSearchResult } from "../plan/search.ts";
import { withPipelines } from "../plan/pipelinePlan.ts";
import { whyPlan } from "../plan/whyPlan.ts";
import { writePlan, WritePlanError } from "../plan/writePlan.ts";
import { defineCommand, type CommandOutcome } from "./command.ts";
import { formatTable } from "./explain.ts";
import type { CliIo } from "./io.ts";
import { choice, positiveInteger, resolveCluster } from "./simulate.ts";

/** What `meshtype plan` was asked. */
export interface PlanCommand {
  readonly file: string;
  readonly program: string | undefined;
  readonly cluster: string;
  readonly nodes: number | undefined;
  readonly devices: number | undefined;
  readonly memoryGb: number | undefined;
  readonly json: boolean;
  readonly write: boolean;
  /** Also search pipelined plans (default true; `--no-pipeline` turns it off). */
  readonly pipeline?: boolean;
  /** Stage counts and micro-batch counts the pipeline search tries (default: all), and its schedule (default 1f1b). */
  readonly stageCounts?: readonly number[];
  readonly microbatchCounts?: readonly number[];
  readonly schedule?: "gpipe" | "1f1b";
}

/** `--stages 2,4`: positive integers, comma-separated (MT9101-style usage error otherwise). */
function integerList(option: string, value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  return value.split(",").map((item) => positiveInteger(option, item.trim()) as number);
}

const kinds = ["allReduce", "reduceScatter", "allGather", "allToAll", "collectivePermute"] as const;

function seconds(value: number): string {
  if (value >= 1) return `${value.toFixed(2)} s`;
  return value >= 1e-3 ? `${(value * 1e3).toFixed(2)} ms` : `${(value * 1e6).toFixed(1)} us`;
}

function bytes(value: number): string {
  if (value >= 1e9) return `${(value / 1e9).toFixed(1)} GB`;
  if (value >= 1e6) return `${(value / 1e6).toFixed(1)} MB`;
  return `${(value / 1e3).toFixed(1)} kB`;
}

/** `1f1b x16, 4/4/4/4 layers` for a pipelined row, `-` for the others. */
export function pipelineCell(row: PlanRow): string {
  const pipeline = row.pipeline;
  return pipeline === undefined ? "-" : `${pipeline.schedule} x${pipeline.microbatches}, ${pipeline.stages.join("/")} layers, bubble ${(100 * pipeline.bubbleFraction).toFixed(0)}%`;
}

/** The ranked table (with a pipeline column when a row is pipelined). */
export function planTable(result: PlanSearchResult): string {
  const piped = result.rows.some((row) => row.pipeline !== undefined);
  const rows = result.rows.map((row, index) => [
    `${index + 1}${row.kind === "yours" ? " (yours)" : ""}`,
    formatMesh(row.mesh),
    ...(piped ? [pipelineCell(row)] : []),
    row.layout === "" ? '""' : row.layout,
    row.weightUpdateSharding ?? "-",
    seconds(row.stepSeconds),
    `${(100 * row.mfu).toFixed(1)}%`,
    `${bytes(row.peakMemoryBytes)}${row.fits ? "" : " (over)"}`,
    ...kinds.map((kind) => (row.communication[kind] === undefined ? "-" : bytes(row.communication[kind]))),
  ]);
  return formatTable(["rank", "mesh", ...(piped ? ["pipeline"] : []), "layout", "update", "step time", "MFU", "peak memory", ...kinds], rows);
}

/** The comment `--write` puts above the binding. */
export function planComment(row: PlanRow, cluster: ClusterSpec, devices: number): string {
  const pipeline = row.pipeline === undefined ? "" : `, pipelined over ${row.pipeline.axis} (${row.pipeline.microbatches} micro-batches, ${row.pipeline.schedule})`;
  return `(${cluster.name}, ${devices} devices): ${seconds(row.stepSeconds)} per step, ${bytes(row.peakMemoryBytes)} per device${pipeline}`;
}

/** Run `meshtype plan` (see the module comment); the diagnostics. */
export async function runPlan(command: PlanCommand, io: CliIo): Promise<CommandOutcome> {
  const result = compileFiles([command.file], { typeCheck: !command.write ? false : true });
  if (result.diagnostics.length > 0) return { diagnostics: result.diagnostics };
  const programs = result.files.flatMap((file) => file.programs);
  if (programs.length === 0) return { diagnostics: [diagnostic(cliMessages.noPrograms, { files: command.file })] };
  const chosen = command.program === undefined ? (programs.length === 1 ? programs[0] : undefined) : programs.find((program) => program.name === command.program);
  if (chosen === undefined) {
    return { diagnostics: [command.program === undefined
      ? diagnostic(planCliMessages.whichProgram, { file: command.file, known: programs.map((program) => program.name).join(", ") })
      : diagnostic(cliMessages.programNotFound, { name: command.program, known: programs.map((program) => program.name).join(", ") })] };
  }
  const ownDevices = chosen.global.mesh.reduce((product, axis) => product * axis.size, 1);
  const cluster = resolveCluster(command.cluster, command.nodes, command.devices ?? ownDevices);
  if (!("device" in cluster)) return { diagnostics: [cluster as Diagnostic] };
  const devices = command.devices ?? (command.nodes === undefined ? ownDevices : cluster.nodes * cluster.devicesPerNode);
  if (devices > cluster.nodes * cluster.devicesPerNode) {
    return { diagnostics: [diagnostic(planCliMessages.tooManyDevices, { devices, cluster: cluster.name, nodes: cluster.nodes, perNode: cluster.devicesPerNode })] };
  }
  await loadSolver();
  const memoryBytes = command.memoryGb === undefined ? undefined : command.memoryGb * 1e9;
  const progress = (line: string): void => io.err(`${line}\n`);
  const intra = searchPlans(chosen.global, { cluster, devices, memoryBytes, progress });
  // pipelined plans (a program with a layer loop and a batch dim), ranked with the intra-op ones
  const piped = command.pipeline === false ? { result: intra } : withPipelines(chosen.global, intra, {
    cluster, devices, memoryBytes, progress,
    ...(command.stageCounts === undefined ? {} : { stageCounts: command.stageCounts }),
    ...(command.microbatchCounts === undefined ? {} : { microbatchCounts: command.microbatchCounts }),
    ...(command.schedule === undefined ? {} : { schedule: command.schedule }),
  });
  const search = piped.result;
  let written: string | undefined;
  const best = search.rows[0];
  if (command.write && best !== undefined && best.kind === "plan") {
    try {
      const pipeline = best.pipeline === undefined ? undefined : { axis: best.pipeline.axis, microbatches: best.pipeline.microbatches, schedule: best.pipeline.schedule, stages: best.pipeline.stages };
      writePlan(command.file, [{ program: chosen.name, mesh: best.mesh, layout: best.layout, weightUpdateSharding: best.weightUpdateSharding, pipeline, comment: planComment(best, cluster, devices) }], findTsConfig(path.resolve(command.file)));
      written = path.resolve(command.file);
    } catch (error) {
      if (!(error instanceof WritePlanError)) throw error;
      return { diagnostics: [diagnostic(planCliMessages.cannotRewrite, { file: command.file, program: chosen.name, reason: error.message })] };
    }
  }
  const yours = search.rows.find((row) => row.kind === "yours");
  const why = [...(best === undefined || yours === undefined ? [] : whyPlan(best, yours, memoryBytes ?? cluster.device.memoryBytes)), ...(piped.notPipelined === undefined ? [] : [piped.notPipelined])];
  if (command.json) {
    io.out(`${JSON.stringify({ program: chosen.name, cluster: cluster.name, devices, memoryBytes: memoryBytes ?? cluster.device.memoryBytes, searchSeconds: search.seconds, rows: search.rows, best: search.best, skipped: search.skipped, why,
      ...(piped.pipelines === undefined ? {} : { pipelineSearch: { seconds: piped.pipelines.seconds, candidates: piped.pipelines.candidates, stagePlans: piped.pipelines.stagePlans } }), ...(written ? { written } : {}) }, null, 2)}\n`);
  } else {
    const highs = search.rows.reduce((total, row) => total + (row.ilp?.solveSeconds ?? 0), 0);
    io.out(`plan ${chosen.name} on ${cluster.name}: ${devices} devices, ${bytes(memoryBytes ?? cluster.device.memoryBytes)} per device\n\n${planTable(search)}\n\n`);
    io.out(`searched ${intra.rows.length - 1} plans in ${intra.seconds.toFixed(1)} s (HiGHS ${highs.toFixed(1)} s)${search.skipped.length > 0 ? `; ${search.skipped.length} without a plan that fits` : ""}\n`);
    if (piped.pipelines !== undefined) io.out(`searched ${piped.pipelines.candidates} pipelines (${piped.pipelines.stagePlans} stage plans) in ${piped.pipelines.seconds.toFixed(1)} s\n`);
    if (why.length > 0) io.out(`\n${why.join("\n")}\n`);
    if (written) io.out(`wrote the best plan into ${command.file} (${chosen.name})\n`);
    else if (command.write) io.out(`your binding ${chosen.name} is the fastest found: nothing written\n`);
  }
  return { diagnostics: [] };
}

/** `meshtype plan`, as the command table lists it. */
export const planCommand = defineCommand({
  name: "plan",
  summary: "Search mesh shapes and layouts for a program on a cluster; rank them; write the best back.",
  description: `Search plans for one program on a cluster: every data x model mesh of the
device count (the model axis inside a node first), weight-update sharding off and
on, and for each the planner's integer program (HiGHS) over every value's sharding,
priced by the cost model and simulated. Prints the plans ranked by predicted step
time, with MFU, peak memory and bytes moved by each kind of collective, your own
binding among them, and how long the search took. For a program with a layer loop,
pipelined plans too: Alpa's dynamic program over stage cuts, stage meshes and
micro-batch counts, each stage planned intra-op and the pipeline simulated (1F1B).
--write puts the best plan's mesh, layout (and pipeline option) into the binding,
with a comment giving its predicted time and memory.`,
  operands: "files",
  options: {
    program: { type: "string", short: "p", valueName: "NAME", description: "the program bound to NAME (needed when the file has several)" },
    cluster: { type: "string", short: "c", valueName: "PRESET|FILE", description: "a preset (v100, a100, h100, h200; default a100) or a cluster JSON file" },
    nodes: { type: "string", short: "n", valueName: "N", description: "nodes of the cluster (default: as many as the devices need)" },
    devices: { type: "string", short: "d", valueName: "N", description: "devices to plan for (default: the binding's mesh, or every device of --nodes)" },
    memory: { type: "string", short: "m", valueName: "GB", description: "memory per device the plan may use (default: the device's)" },
    json: { type: "boolean", description: "print one JSON object instead of the table" },
    write: { type: "boolean", short: "w", description: "rewrite the binding in the file with the best plan" },
    "no-pipeline": { type: "boolean", description: "search intra-op plans only (no pipeline stages)" },
    stages: { type: "string", valueName: "N[,N...]", description: "pipeline stage counts to try (default: every divisor of the devices up to the layer count)" },
    microbatches: { type: "string", valueName: "N[,N...]", description: "micro-batch counts to try (default: every count that divides the batch)" },
    schedule: { type: "string", valueName: "1f1b|gpipe", description: "the pipeline schedule (default 1f1b)" },
  },
  examples: [
    "meshtype plan examples/gpt/gpt.ts -p gpt2d --cluster h100",
    "meshtype plan examples/train/gptTrain.ts -p gptTrain2d --devices 64 --cluster a100 --json",
    "meshtype plan examples/mlp/mlp.ts -p mlpMegatron --write",
    "meshtype plan bench/plan/gpt3.ts -p gpt3Megatron --devices 64 --stages 4,8 --microbatches 16",
  ],
  run: async ({ files, options }, { io }) => {
    if (files.length !== 1) return [diagnostic(planCliMessages.oneFile, { files: files.join(", ") })];
    const memory = options.memory === undefined ? undefined : Number(options.memory);
    if (memory !== undefined && !(memory > 0)) return [diagnostic(planCliMessages.badMemory, { value: String(options.memory) })];
    return runPlan({
      file: files[0], program: options.program, cluster: options.cluster ?? "a100", nodes: positiveInteger("--nodes", options.nodes),
      devices: positiveInteger("--devices", options.devices), memoryGb: memory, json: options.json, write: options.write,
      pipeline: options["no-pipeline"] !== true,
      stageCounts: integerList("--stages", options.stages), microbatchCounts: integerList("--microbatches", options.microbatches),
      schedule: choice("--schedule", options.schedule, ["1f1b", "gpipe"] as const, "1f1b"),
    }, io);
  },
});
