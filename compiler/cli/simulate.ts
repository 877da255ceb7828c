/**
 * `meshtype simulate <file.ts>... [--program NAME] [--cluster PRESET|FILE.json] [--nodes N]
 * [--dtype fp32|bf16] [--kernels eager|fused] [--overlap data|none] [--recompute none|full]
 * [--tf32] [--profile DB.json] [--json] [--trace OUT.json] [--svg OUT.svg] [--no-typecheck]`:
 * compile the programs, simulate one step of each on the cluster
 * (compiler/simulate), and print the report. Everything the command does is
 * here, behind `parseSimulateArgs` and `runSimulate`.
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

function choice<T extends string>(option: string, value: string, known: readonly T[]): T {
  if (!(known as readonly string[]).includes(value)) return usage(costCliMessages.badChoice, { option, value, known: known.join(", ") });
  return value as T;
}

/** Parse the arguments after `simulate`. */
export function parseSimulateArgs(rest: readonly string[]): SimulateCommand | { readonly kind: "help" } {
  const files: string[] = [];
  const command = {
    program: undefined as string | undefined, cluster: "a100", nodes: undefined as number | undefined, dtype: undefined as Dtype | undefined,
    kernels: "eager" as KernelPolicy, overlap: "data" as "data" | "none", recompute: "none" as "none" | "full", tf32: false,
    profile: undefined as string | undefined, json: false, trace: undefined as string | undefined, svg: undefined as string | undefined, typeCheck: true,
  };
  for (let index = 0; index < rest.length; index++) {
    const arg = rest[index];
    const valueOf = (): string => {
      const value = rest[++index];
      return value === undefined || value.startsWith("--") ? usage(cliMessages.missingValue, { option: arg }) : value;
    };
    switch (arg) {
      case "--help":
      case "-h":
        return { kind: "help" };
      case "--program": command.program = valueOf(); break;
      case "--cluster": command.cluster = valueOf(); break;
      case "--nodes": {
        const value = valueOf();
        const nodes = Number(value);
        if (!Number.isInteger(nodes) || nodes <= 0) usage(costCliMessages.badNumber, { option: arg, value });
        command.nodes = nodes;
        break;
      }
      case "--dtype": {
        const value = valueOf();
        if (!isDtype(value)) usage(costCliMessages.badChoice, { option: arg, value, known: dtypes.join(", ") });
        command.dtype = value as Dtype;
        break;
      }
      case "--kernels": command.kernels = choice(arg, valueOf(), ["eager", "fused"] as const); break;
      case "--overlap": command.overlap = choice(arg, valueOf(), ["data", "none"] as const); break;
      case "--recompute": command.recompute = choice(arg, valueOf(), ["none", "full"] as const); break;
      case "--tf32": command.tf32 = true; break;
      case "--profile": command.profile = valueOf(); break;
      case "--json": command.json = true; break;
      case "--trace": command.trace = valueOf(); break;
      case "--svg": command.svg = valueOf(); break;
      case "--no-typecheck": command.typeCheck = false; break;
      default:
        if (arg.startsWith("-")) usage(cliMessages.unknownOption, { option: arg, command: "simulate" });
        files.push(arg);
    }
  }
  if (files.length === 0) usage(cliMessages.missingFiles, { command: "simulate" });
  return { kind: "simulate", files, ...command };
}

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
