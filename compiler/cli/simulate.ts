/**
 * `meshtype simulate <file.ts>... [--program NAME] [--cluster PRESET|FILE.json] [--nodes N]
 * [--dtype fp32|bf16] [--kernels eager|fused] [--overlap data|none] [--recompute none|full]
 * [--tf32] [--profile DB.json] [--json] [--trace OUT.json] [--svg OUT.svg] [--no-typecheck]`:
 * compile the programs, simulate one step of each on the cluster
 * (compiler/simulate), and print the report. Everything the command does is
 * here: `simulateCommand` (its entry in the command table) and `runSimulate`.
 */
import * as fs from "node:fs";
import { cluster as presetCluster, clusterFromJson, clusterPresetNames, type ClusterSpec } from "../../dsl/cluster.ts";
import type { ClusterPresetName } from "../../dsl/clusterPresets.ts";
import { dtypes, isDtype, type Dtype } from "../../dsl/dtype.ts";
import { MeshtypeError } from "../../dsl/errors.ts";
import type { KernelPolicy } from "../cost/kernels.ts";
import { readProfileDb, type ProfileDb } from "../cost/profileDb.ts";
import { cliMessages } from "../diagnostics/cliMessages.ts";
import { costCliMessages } from "../diagnostics/costMessages.ts";
import { CompileError, diagnostic, type Diagnostic, type MessageTemplate } from "../diagnostics/diagnostic.ts";
import { compileFiles, type CompiledProgram } from "../index.ts";
import { simulationJson, simulationText } from "../simulate/report.ts";
import { simulateProgram, type Simulation } from "../simulate/simulate.ts";
import { timelineSvg } from "../simulate/svg.ts";
import { chromeTrace } from "../simulate/trace.ts";
import type { SimulationOptions } from "../simulate/taskGraph.ts";
import { defineCommand } from "./command.ts";
import type { CliIo } from "./io.ts";

/** `meshtype simulate`, parsed. */
export interface SimulateCommand {
  readonly kind: "simulate";
  readonly files: readonly string[];
  readonly program: string | undefined;
  /** A preset name or a JSON file. */
  readonly cluster: string;
  readonly nodes: number | undefined;
  readonly dtype: Dtype | undefined;
  readonly kernels: KernelPolicy;
  readonly overlap: "data" | "none";
  readonly recompute: "none" | "full";
  readonly tf32: boolean;
  readonly profile: string | undefined;
  readonly json: boolean;
  readonly trace: string | undefined;
  readonly svg: string | undefined;
  readonly typeCheck: boolean;
}

function usage<Args>(template: MessageTemplate<Args>, args: Args): never {
  throw new CompileError([diagnostic(template, args)]);
}

/** An option with a fixed set of values (MT9104 otherwise), `fallback` when absent. */
export function choice<T extends string>(option: string, value: string | undefined, known: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(known as readonly string[]).includes(value)) return usage(costCliMessages.badChoice, { option, value, known: known.join(", ") });
  return value as T;
}

/** A positive integer option (MT9103 otherwise). */
export function positiveInteger(option: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) usage(costCliMessages.badNumber, { option, value });
  return number;
}

/** A dtype option (MT9104 otherwise). */
export function dtypeOption(option: string, value: string | undefined): Dtype | undefined {
  if (value === undefined) return undefined;
  if (!isDtype(value)) usage(costCliMessages.badChoice, { option, value, known: dtypes.join(", ") });
  return value as Dtype;
}

const simulateOptions = {
  program: { type: "string", short: "p", valueName: "NAME", description: "only the program bound to NAME (needed with --trace and --svg when the files have several)" },
  cluster: { type: "string", short: "c", valueName: "PRESET|FILE", description: "a preset (v100, a100, h100, h200; default a100) or a cluster JSON file" },
  nodes: { type: "string", short: "n", valueName: "N", description: "nodes of the cluster (default: a preset gets as many as the mesh needs)" },
  dtype: { type: "string", valueName: "DTYPE", choices: dtypes, description: "fp32 or bf16 (default: the program's dtype)" },
  kernels: { type: "string", valueName: "POLICY", choices: ["eager", "fused"], description: "eager: one kernel per op, as the torch back end runs it (default); fused: fused element-wise kernels" },
  overlap: { type: "string", valueName: "MODE", choices: ["data", "none"], description: "data: collectives overlap compute where the data allow (default); none: one stream" },
  recompute: { type: "string", valueName: "MODE", choices: ["none", "full"], description: "full: the forward runs again before the backward (activation recomputation)" },
  tf32: { type: "boolean", description: "fp32 matmuls on TF32 tensor cores (torch's allow_tf32)" },
  profile: { type: "string", valueName: "DB.json", description: "measured op times (meshtype profile) that replace the model where they match" },
  json: { type: "boolean", description: "print one JSON object with every kernel and collective" },
  trace: { type: "string", valueName: "OUT.json", description: "write the timeline as a Chrome trace (open it in Perfetto)" },
  svg: { type: "string", valueName: "OUT.svg", description: "write the timeline as an SVG picture" },
  "no-typecheck": { type: "boolean", description: "skip reporting TypeScript errors in the files (faster)" },
} as const;

/** `meshtype simulate`, as the command table lists it. */
export const simulateCommand = defineCommand({
  name: "simulate",
  summary: "Simulate one step of each program on a cluster: time, MFU, memory, timeline.",
  description: `Simulate one step of each program on a cluster (a preset: v100, a100, h100, h200,
with as many nodes as the mesh needs; or a JSON file): step time, compute,
exposed communication and idle, FLOP/s and MFU, peak memory per device with its
breakdown, how the mesh sits on the nodes, and the kernels and collectives that
take the most time. --trace writes a Chrome trace (Perfetto), --svg a timeline
picture. See docs/simulate.md.`,
  operands: "files",
  options: simulateOptions,
  examples: [
    "meshtype simulate examples/gpt/gpt.ts -p gpt2d --cluster h100 --dtype bf16",
    "meshtype simulate examples/train/gptTrain.ts -p gptTrain2d --svg step.svg --trace step.json",
  ],
  run: ({ files, options }, { io }) =>
    runSimulate(
      {
        kind: "simulate", files, program: options.program, cluster: options.cluster ?? "a100", nodes: positiveInteger("--nodes", options.nodes),
        dtype: dtypeOption("--dtype", options.dtype), kernels: choice("--kernels", options.kernels, ["eager", "fused"] as const, "eager"),
        overlap: choice("--overlap", options.overlap, ["data", "none"] as const, "data"), recompute: choice("--recompute", options.recompute, ["none", "full"] as const, "none"),
        tf32: options.tf32, profile: options.profile, json: options.json, trace: options.trace, svg: options.svg, typeCheck: !options["no-typecheck"],
      },
      io,
    ),
});

/**
 * The cluster a command names: a preset (with as many nodes as `devices` need
 * unless `nodes` says) or a JSON file (`nodes` overrides its count).
 */
export function resolveCluster(name: string, nodes: number | undefined, devices: number): ClusterSpec | Diagnostic {
  if ((clusterPresetNames() as readonly string[]).includes(name)) {
    const spec = presetCluster(name as ClusterPresetName);
    return presetCluster(name as ClusterPresetName, { nodes: nodes ?? Math.max(1, Math.ceil(devices / spec.devicesPerNode)) });
  }
  if (!fs.existsSync(name) || !fs.statSync(name).isFile()) return diagnostic(costCliMessages.unknownCluster, { cluster: name, presets: clusterPresetNames().join(", ") });
  try {
    const spec = clusterFromJson(JSON.parse(fs.readFileSync(name, "utf8")), name);
    return nodes === undefined ? spec : presetCluster(spec, { nodes });
  } catch (error) {
    if (error instanceof SyntaxError || error instanceof MeshtypeError) return diagnostic(costCliMessages.badClusterFile, { file: name, reason: error.message });
    throw error;
  }
}

function readProfile(file: string): ProfileDb | Diagnostic {
  try {
    return readProfileDb(JSON.parse(fs.readFileSync(file, "utf8")), file);
  } catch (error) {
    if (error instanceof SyntaxError || error instanceof MeshtypeError) return diagnostic(costCliMessages.badProfileFile, { file, reason: error.message });
    if (error instanceof Error && "code" in error && error.code === "ENOENT") return diagnostic(cliMessages.fileNotFound, { file });
    throw error;
  }
}

function writeFile(file: string, text: string): Diagnostic | undefined {
  try {
    fs.writeFileSync(file, text);
    return undefined;
  } catch (error) {
    return diagnostic(cliMessages.cannotWrite, { file, reason: error instanceof Error ? error.message : String(error) });
  }
}

/** The programs of `files` a command asked for (all of them, or the one named). */
export function chosenPrograms(files: readonly string[], only: string | undefined, typeCheck: boolean): CompiledProgram[] | Diagnostic[] {
  const result = compileFiles(files, { typeCheck, emit: false });
  if (result.diagnostics.length > 0) return [...result.diagnostics];
  const programs = result.files.flatMap((file) => file.programs);
  if (programs.length === 0) return [diagnostic(cliMessages.noPrograms, { files: files.join(", ") })];
  const chosen = only === undefined ? programs : programs.filter((program) => program.name === only);
  if (chosen.length === 0) return [diagnostic(cliMessages.programNotFound, { name: only ?? "", known: programs.map((program) => program.name).join(", ") })];
  return chosen;
}

/** Run `meshtype simulate`; the diagnostics (empty on success). Over-memory is a warning in the report, not an error. */
export function runSimulate(command: SimulateCommand, io: CliIo): Diagnostic[] {
  const profile = command.profile === undefined ? undefined : readProfile(command.profile);
  if (profile !== undefined && "code" in profile) return [profile];
  const programs = chosenPrograms(command.files, command.program, command.typeCheck);
  if (programs.length > 0 && "code" in programs[0]) return programs as Diagnostic[];
  const compiled = programs as CompiledProgram[];
  if ((command.trace !== undefined || command.svg !== undefined) && compiled.length > 1) {
    return [diagnostic(costCliMessages.needsProgram, { command: "simulate --trace/--svg", known: compiled.map((program) => program.name).join(", ") })];
  }
  const options: SimulationOptions = {
    ...(command.dtype === undefined ? {} : { dtype: command.dtype }),
    kernels: command.kernels, overlap: command.overlap, recompute: command.recompute, allowTf32: command.tf32,
    ...(profile === undefined ? {} : { profile }),
  };
  const simulations: Simulation[] = [];
  for (const program of compiled) {
    const devices = program.lowered.mesh.reduce((product, axis) => product * axis.size, 1);
    const spec = resolveCluster(command.cluster, command.nodes, devices);
    if ("code" in spec) return [spec];
    try {
      simulations.push(simulateProgram(program.lowered, spec, options));
    } catch (error) {
      if (error instanceof CompileError) return [...error.diagnostics];
      throw error;
    }
  }
  const [only] = simulations;
  if (command.trace !== undefined) {
    const failed = writeFile(command.trace, JSON.stringify(chromeTrace(only.graph, only.schedule)));
    if (failed) return [failed];
  }
  if (command.svg !== undefined) {
    const failed = writeFile(command.svg, timelineSvg(only.graph, only.schedule));
    if (failed) return [failed];
  }
  if (command.json) io.out(`${JSON.stringify({ programs: simulations.map(simulationJson) }, null, 2)}\n`);
  else io.out(simulations.map(simulationText).join("\n"));
  if (!command.json) {
    if (command.trace !== undefined) io.out(`wrote ${command.trace} (Chrome trace: open it in https://ui.perfetto.dev or chrome://tracing)\n`);
    if (command.svg !== undefined) io.out(`wrote ${command.svg}\n`);
  }
  return [];
}
