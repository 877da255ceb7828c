/**
 * `meshtype train`: build a training step with the torch target, start
 * torchrun on this node with one process per device of the program's mesh,
 * and stream the log: the launcher's `--train` loop (meshtype_torch/train.py)
 * runs the step over a file of token ids, logs the loss and tokens/s of each
 * step, and saves and loads sharded checkpoints.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { torchBuildFiles, torchModuleFileName } from "../backend/torch/index.ts";
import { cliMessages } from "../diagnostics/cliMessages.ts";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.ts";
import { compileFiles, type CompiledProgram } from "../index.ts";
import type { Program } from "../ir/ir.ts";
import { defineCommand, type CommandOutcome } from "./command.ts";
import type { CliIo } from "./io.ts";
import { outputDir } from "./build.ts";

/** What `meshtype train` was asked to do (the options of the command, checked). */
export interface TrainOptions {
  readonly program: string;
  readonly data: string;
  readonly steps: number;
  readonly initSeed?: string;
  readonly inputs?: string;
  readonly load?: string;
  readonly save?: string;
  readonly saveEvery?: number;
  readonly log?: string;
  readonly out?: string;
  readonly python: string;
  readonly backend?: string;
  readonly dataDtype?: string;
  readonly typeCheck: boolean;
}

/** Why `program` cannot be looped as a training step, or undefined when it can. */
export function trainingStepProblem(program: Program): string | undefined {
  if (program.result.kind !== "object") return "it returns a single tensor, not an object with the new params and the loss";
  const fields = Object.keys(program.result.fields);
  if (!fields.includes("loss")) return `its result has no "loss" field (it has ${fields.join(", ")})`;
  const carried = program.params.filter((param) => fields.includes(param.name)).map((param) => param.name);
  if (carried.length === 0) return `it returns none of its params (${program.params.map((param) => param.name).join(", ")}) under their names, so nothing carries to the next step`;
  for (const name of ["ids", "targets"]) if (!program.params.some((param) => param.name === name)) return `it has no "${name}" param for the tokens`;
  return undefined;
}

/** The devices of a program's mesh: the process count on one node. */
function deviceCount(program: Program): number {
  return program.mesh.reduce((product, axis) => product * axis.size, 1);
}

/** The command that starts the run, as argv (python first). */
export function trainCommand(module: string, devices: number, options: TrainOptions): string[] {
  const launcher = ["-m", "torch.distributed.run", "--standalone", `--nproc_per_node=${devices}`, "--redirects=1", "--tee=1"];
  const script = [
    module, `--program=${options.program}`, "--train", `--data=${options.data}`, `--steps=${options.steps}`,
    ...(options.initSeed !== undefined ? [`--init-seed=${options.initSeed}`] : []),
    ...(options.inputs !== undefined ? [`--inputs=${options.inputs}`] : []),
    ...(options.load !== undefined ? [`--load=${options.load}`] : []),
    ...(options.save !== undefined ? [`--save=${options.save}`] : []),
    ...(options.saveEvery !== undefined ? [`--save-every=${options.saveEvery}`] : []),
    ...(options.log !== undefined ? [`--log=${options.log}`] : []),
    ...(options.backend !== undefined ? [`--backend=${options.backend}`] : []),
    ...(options.dataDtype !== undefined ? [`--data-dtype=${options.dataDtype}`] : []),
  ];
  return [options.python, ...launcher, ...script];
}

/** Run the command, streaming its output to `io` line by line; resolves with its exit code (or the start error). */
function stream(argv: readonly string[], cwd: string, io: CliIo, env: NodeJS.ProcessEnv): Promise<{ code: number | null; error?: Error }> {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (chunk: Buffer) => io.out(chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => io.err(chunk.toString()));
    child.on("error", (error) => resolve({ code: null, error }));
    child.on("close", (code) => resolve({ code }));
  });
}

/** Paths the run reads or writes, made absolute: the processes run in the module's folder. */
function absolute(file: string | undefined): string | undefined {
  return file === undefined ? undefined : path.resolve(file);
}

/** Run `meshtype train` (see the module comment). */
export async function runTrain(files: readonly string[], options: TrainOptions, io: CliIo): Promise<CommandOutcome> {
  const rootDir = process.cwd();
  // Only the program to train is read and compiled (the module holds that one).
  const result = compileFiles(files, { typeCheck: options.typeCheck, rootDir, programs: [options.program] });
  const outcome = (diagnostics: readonly Diagnostic[]): CommandOutcome => ({ diagnostics, inputs: result.inputs, rootDir });
  if (result.diagnostics.length > 0) return outcome(result.diagnostics);
  const all = result.files.flatMap((file) => file.programs.map((program) => ({ file, program })));
  const found = all.find((entry) => entry.program.name === options.program);
  if (!found) {
    const known = compileFiles(files, { typeCheck: false, rootDir }).files.flatMap((file) => file.programs.map((program) => program.name));
    return outcome([diagnostic(cliMessages.programNotFound, { name: options.program, known: known.join(", ") || "none" })]);
  }
  const program: CompiledProgram = found.program;
  const problem = trainingStepProblem(program.lowered);
  if (problem !== undefined) return outcome([diagnostic(cliMessages.notTrainingStep, { program: program.name, reason: problem })]);
  const folder = path.resolve(outputDir(found.file.source, options.out));
  try {
    for (const file of torchBuildFiles(found.file.programs.map((item) => item.lowered), { sourceFile: found.file.source })) {
      fs.mkdirSync(path.dirname(path.join(folder, file.path)), { recursive: true });
      fs.writeFileSync(path.join(folder, file.path), file.text);
    }
  } catch (error) {
    return outcome([diagnostic(cliMessages.cannotWrite, { file: folder, reason: error instanceof Error ? error.message : String(error) })]);
  }
  const module = torchModuleFileName(found.file.source);
  const devices = deviceCount(program.lowered);
  const argv = trainCommand(module, devices, {
    ...options, data: path.resolve(options.data), inputs: absolute(options.inputs), load: absolute(options.load), save: absolute(options.save), log: absolute(options.log),
  });
  io.out(`meshtype train: ${program.name} on mesh [${program.lowered.mesh.map((axis) => `${axis.name}=${axis.size}`).join(" ")}]: ${devices} processes; wrote ${path.join(folder, module)}\n`);
  io.out(`meshtype train: ${argv.join(" ")}\n`);
  const env = { ...process.env, PYTHONPATH: [folder, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter) };
  const run = await stream(argv, folder, io, env);
  if (run.error) return outcome([diagnostic(cliMessages.torchNotFound, { python: options.python, reason: run.error.message })]);
  if (run.code !== 0) return outcome([diagnostic(cliMessages.trainingFailed, { code: String(run.code), command: argv.join(" ") })]);
  return outcome([]);
}

/** A whole number >= `least` from an option's text, or undefined when it is not one. */
function count(text: string | undefined, least: number): number | undefined {
  if (text === undefined || !/^[0-9]+$/.test(text) || Number(text) < least) return undefined;
  return Number(text);
}

/** `meshtype train`, as the command table lists it. */
export const trainCommandSpec = defineCommand({
  name: "train",
  summary: "Train a training step with torch.distributed on this node: build, launch torchrun, stream the log.",
  description: `Build the file with --target torch (into DIR/generated, or --out DIR), start torchrun
with one process per device of the program's mesh, and run --steps training steps
over --data (token ids: a .npy of integers or a raw .bin of uint16). Each step's
ids and targets are the next batch of sequences of the file, each rank reading
its own block; the params and optimizer state the step returns go into the next
step; rank 0 logs the loss and tokens/s of every step. --save DIR writes a sharded
checkpoint (one safetensors file per rank and an index) every --save-every steps
and at the end; --load DIR continues from the latest checkpoint in DIR, which may
have been saved under another mesh or layout. docs/torch.md has the details.`,
  operands: "files",
  options: {
    program: { type: "string", short: "p", valueName: "NAME", description: "the training step to run (an exported program(...) of the files)" },
    data: { type: "string", valueName: "FILE", description: "token ids: a .npy of integers, or a raw .bin (--data-dtype)" },
    steps: { type: "string", valueName: "N", description: "training steps to run (default 1)" },
    "init-seed": { type: "string", valueName: "S", description: "start from meshtype's seeded init (ids integers, optimizer state zeros)" },
    inputs: { type: "string", valueName: "DIR", description: "start from the global .npy of every param in DIR" },
    load: { type: "string", valueName: "DIR", description: "start from the latest checkpoint in DIR (any mesh or layout), at its step" },
    save: { type: "string", valueName: "DIR", description: "write sharded checkpoints under DIR/step_<n>/" },
    "save-every": { type: "string", valueName: "K", description: "save every K steps (and after the last)" },
    log: { type: "string", valueName: "FILE", description: "append one JSON line per step (step, loss, ms, tokens_per_s)" },
    "data-dtype": { type: "string", choices: ["uint16", "int32", "int64"], description: "the dtype of a .bin --data file (default uint16)" },
    out: { type: "string", short: "o", valueName: "DIR", description: "where the torch module is built (default generated/ beside the source)" },
    python: { type: "string", valueName: "PY", description: "the Python with torch (default MESHTYPE_PYTHON, else python3)" },
    backend: { type: "string", choices: ["gloo", "nccl"], description: "default: nccl when CUDA is available, else gloo" },
    "no-typecheck": { type: "boolean", description: "skip reporting TypeScript errors in the files (faster)" },
  },
  examples: [
    "meshtype train examples/train/gptTrain.ts -p gptTrainData --data tokens.npy --init-seed 0 --steps 50 --save ckpt --save-every 25",
    "meshtype train examples/train/gptTrain.ts -p gptTrain2d --data tokens.npy --load ckpt --steps 25",
  ],
  run: async ({ files, options }, { io }) => {
    const need = (option: string, why: string): CommandOutcome => ({ diagnostics: [diagnostic(cliMessages.trainNeedsOption, { option, why })] });
    if (options.program === undefined) return need("--program NAME", "the training step to run");
    if (options.data === undefined) return need("--data FILE", "the token ids to train on (a .npy of integers, or a raw .bin of uint16)");
    const starts = [options["init-seed"], options.inputs, options.load].filter((item) => item !== undefined);
    if (starts.length !== 1) return need("one of --init-seed S, --inputs DIR or --load DIR", "where the first params come from");
    const steps = options.steps === undefined ? 1 : count(options.steps, 1);
    if (steps === undefined) return need("--steps N with N a whole number of at least 1", `it was "${options.steps}"`);
    const saveEvery = options["save-every"] === undefined ? undefined : count(options["save-every"], 1);
    if (options["save-every"] !== undefined && saveEvery === undefined) return need("--save-every K with K a whole number of at least 1", `it was "${options["save-every"]}"`);
    if (options["init-seed"] !== undefined && count(options["init-seed"], 0) === undefined) return need("--init-seed S with S a whole number", `it was "${options["init-seed"]}"`);
    return runTrain(files, {
      program: options.program, data: options.data, steps, typeCheck: !options["no-typecheck"],
      python: options.python ?? process.env.MESHTYPE_PYTHON ?? "python3",
      ...(options["init-seed"] !== undefined ? { initSeed: options["init-seed"] } : {}),
      ...(options.inputs !== undefined ? { inputs: options.inputs } : {}),
      ...(options.load !== undefined ? { load: options.load } : {}),
      ...(options.save !== undefined ? { save: options.save } : {}),
      ...(saveEvery !== undefined ? { saveEvery } : {}),
      ...(options.log !== undefined ? { log: options.log } : {}),
      ...(options.out !== undefined ? { out: options.out } : {}),
      ...(options.backend !== undefined ? { backend: options.backend } : {}),
      ...(options["data-dtype"] !== undefined ? { dataDtype: options["data-dtype"] } : {}),
    }, io);
  },
});
