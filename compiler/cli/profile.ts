/**
 * `meshtype profile <file.ts> --program NAME [--device cpu|cuda] [--as DEVICE] [--dtype fp32|bf16]
 * [--out profile.json] [--runs N] [--no-typecheck]`: measure every distinct
 * local op of a lowered program with torch, as the torch back end runs it
 * (each op's Python expression comes from compiler/backend/torch/emitTorchOp.ts),
 * and write the times into a profile database (compiler/cost/profileDb.ts)
 * that `meshtype simulate --profile` uses instead of the cost model for those
 * ops. Entries of other devices, dtypes or ops already in the file are kept.
 *
 * Python is `$MESHTYPE_PYTHON` or `/usr/bin/python3`; `--device cuda` needs a GPU.
 * The device's name in the database is `--as` (default `cpu`, or torch's
 * name of the GPU): simulate matches it against the cluster's `device.name`.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { dtypes, type Dtype } from "../../dsl/dtype.ts";
import { emitTorchOp } from "../backend/torch/emitTorchOp.ts";
import { ProgramFacts, isCommunication } from "../cost/kernels.ts";
import { profileKey, readProfileDb, type ProfileDb, type ProfileEntry } from "../cost/profileDb.ts";
import { cliMessages } from "../diagnostics/cliMessages.ts";
import { costCliMessages } from "../diagnostics/costMessages.ts";
import { CompileError, diagnostic, type Diagnostic } from "../diagnostics/diagnostic.ts";
import type { Op, Program } from "../ir/ir.ts";
import type { CliIo } from "./io.ts";
import { defineCommand } from "./command.ts";
import { chosenPrograms, dtypeOption, positiveInteger } from "./simulate.ts";

/** `meshtype profile`, parsed. */
export interface ProfileCommand {
  readonly kind: "profile";
  readonly files: readonly string[];
  readonly program: string | undefined;
  readonly device: "cpu" | "cuda";
  readonly as: string | undefined;
  readonly dtype: Dtype | undefined;
  readonly out: string;
  readonly runs: number;
  readonly typeCheck: boolean;
}

const profileOptions = {
  program: { type: "string", short: "p", valueName: "NAME", description: "the program to profile (needed when the files have several)" },
  device: { type: "string", valueName: "DEVICE", choices: ["cpu", "cuda"], description: "where torch runs the ops: cpu (default) or cuda" },
  as: { type: "string", valueName: "NAME", description: "the device's name in the database (default cpu, or torch's GPU name); simulate matches the cluster's device.name" },
  dtype: { type: "string", valueName: "DTYPE", choices: dtypes, description: "fp32 or bf16 (default: the program's dtype)" },
  out: { type: "string", short: "o", valueName: "FILE", description: "the database to write (default profile.json; its other entries are kept)" },
  runs: { type: "string", valueName: "N", description: "timed runs per op, after 3 warm-ups (default 20; the median counts)" },
  "no-typecheck": { type: "boolean", description: "skip reporting TypeScript errors in the files (faster)" },
} as const;

/** `meshtype profile`, as the command table lists it. */
export const profileCommand = defineCommand({
  name: "profile",
  summary: "Time every distinct local op of a program with torch, into a profile database.",
  description: `Run every distinct local op of a lowered program with torch, as the torch back
end emits it (Python: $MESHTYPE_PYTHON or /usr/bin/python3), and write the median
times to a profile database that \`meshtype simulate --profile\` uses instead of
the cost model for those ops. See docs/simulate.md.`,
  operands: "files",
  options: profileOptions,
  examples: ["meshtype profile examples/mlp/mlp.ts -p mlpMegatron --device cpu --out profile.json"],
  run: ({ files, options }, { io }) => {
    const device = options.device ?? "cpu";
    if (device !== "cpu" && device !== "cuda") throw new CompileError([diagnostic(costCliMessages.badChoice, { option: "--device", value: device, known: "cpu, cuda" })]);
    return runProfile(
      { kind: "profile", files, program: options.program, device, as: options.as, dtype: dtypeOption("--dtype", options.dtype), out: options.out ?? "profile.json", runs: positiveInteger("--runs", options.runs) ?? 20, typeCheck: !options["no-typecheck"] },
      io,
    );
  },
});

/** One distinct op to measure: its key, the Python expression over x0, x1... and its inputs' shapes. */
export interface ProfileCase {
  readonly key: string;
  readonly label: string;
  readonly expression: string;
  readonly inputs: readonly { readonly shape: readonly number[]; readonly integers?: number }[];
}

/** The distinct compute ops of `program` (lowered), as the torch back end runs them. */
export function profileCases(program: Program): ProfileCase[] {
  const facts = new ProgramFacts(program);
  const cases = new Map<string, ProfileCase>();
  for (const op of facts.ops) {
    if (facts.isView(op) || isCommunication(op)) continue;
    const inputs = op.inputs.map((id) => facts.localDims(id));
    const output = facts.localDims(op.output);
    const key = profileKey(op, inputs, output);
    if (cases.has(key)) continue;
    const values = op.inputs.map((id) => program.values.get(id));
    const outValue = program.values.get(op.output);
    if (!outValue || values.some((value) => value === undefined)) continue;
    const operands = values.map((value, index) => ({ name: `x${index}`, value: value as NonNullable<typeof value> }));
    cases.set(key, { key, label: `${op.op} ${output.map((dim) => `${dim.name}=${dim.size}`).join(" ")}`, expression: emitTorchOp(op, operands, outValue), inputs: inputs.map((dims, index) => ({ shape: dims.map((dim) => dim.size), ...indexBound(op, index, facts) })) });
  }
  return [...cases.values()];
}

/** A gather's indices must be rows of the table: integers below the gathered dim's size. */
function indexBound(op: Op, index: number, facts: ProgramFacts): { integers?: number } {
  if (op.op === "gather" && index === 1) return { integers: facts.localDims(op.inputs[0]).find((dim) => dim.name === op.dim)?.size ?? 1 };
  if (op.op === "oneHot" && index === 0) return { integers: op.dim.size };
  return {};
}

const runtimeDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../backend/torch/runtime");

/** The Python program that times every case and prints `[{key, seconds}]` as JSON; progress goes to stderr. */
export function profileScript(cases: readonly ProfileCase[], device: "cpu" | "cuda", dtype: Dtype, runs: number): string {
  const torchDtype = dtype === "bf16" ? "torch.bfloat16" : "torch.float32";
  const body = cases.map((item) => `    (${JSON.stringify(item.key)}, ${JSON.stringify(item.label)}, ${JSON.stringify(item.inputs.map((input) => input.shape))}, ${JSON.stringify(item.inputs.map((input) => input.integers ?? 0))}, lambda ${item.inputs.map((_, index) => `x${index}`).join(", ")}: ${item.expression}),`);
  return `import json, statistics, sys, time
import torch
import meshtype_torch as mt
device = torch.device(${JSON.stringify(device)})
class _Mesh:
    pass
mesh = _Mesh()
mesh.device = device
def sync():
    if device.type == "cuda":
        torch.cuda.synchronize()
CASES = [
${body.join("\n")}
]
results = []
for index, (key, label, shapes, integers, run) in enumerate(CASES):
    xs = [torch.randint(0, bound, shape, device=device).to(${torchDtype}) if bound > 0 else torch.randn(shape, device=device, dtype=${torchDtype}) for shape, bound in zip(shapes, integers)]
    for _ in range(3):
        run(*xs)
    times = []
    for _ in range(${runs}):
        sync()
        started = time.perf_counter()
        run(*xs)
        sync()
        times.append(time.perf_counter() - started)
    results.append({"key": key, "seconds": statistics.median(times)})
    print(f"profile: {index + 1}/{len(CASES)} {label}: {statistics.median(times) * 1e6:.1f} us", file=sys.stderr, flush=True)
name = torch.cuda.get_device_name(0) if device.type == "cuda" else "cpu"
print(json.dumps({"device": name, "results": results}))
`;
}

/** Run `meshtype profile`; the diagnostics (empty on success). */
export function runProfile(command: ProfileCommand, io: CliIo): Diagnostic[] {
  const programs = chosenPrograms(command.files, command.program, command.typeCheck);
  if (programs.length > 0 && "code" in programs[0]) return programs as Diagnostic[];
  const compiled = programs as Exclude<typeof programs[number], Diagnostic>[];
  if (compiled.length > 1) return [diagnostic(costCliMessages.needsProgram, { command: "profile", known: compiled.map((program) => program.name).join(", ") })];
  const program = compiled[0].lowered;
  const dtype = command.dtype ?? program.dtype;
  const cases = profileCases(program);
  const python = process.env.MESHTYPE_PYTHON ?? "/usr/bin/python3";
  io.err(`profile: ${cases.length} distinct ops of ${program.name} on ${command.device} in ${dtype}, ${command.runs} runs each, with torch (${python})\n`);
  const run = spawnSync(python, ["-c", profileScript(cases, command.device, dtype, command.runs)], {
    encoding: "utf8", maxBuffer: 64 * 1024 * 1024, env: { ...process.env, PYTHONPATH: [runtimeDir, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (run.error || run.status !== 0) {
    return [diagnostic(costCliMessages.profileRunFailed, { command: `${python} -c <script>`, reason: run.error?.message ?? `exit code ${run.status}` })];
  }
  let measured: { device: string; results: { key: string; seconds: number }[] };
  try {
    measured = JSON.parse(run.stdout.trim().split("\n").pop() ?? "");
  } catch {
    return [diagnostic(costCliMessages.profileRunFailed, { command: python, reason: "it printed no results" })];
  }
  const deviceName = command.as ?? measured.device;
  let existing: ProfileDb = { version: 1, entries: [] };
  if (fs.existsSync(command.out)) {
    try {
      existing = readProfileDb(JSON.parse(fs.readFileSync(command.out, "utf8")), command.out);
    } catch (error) {
      return [diagnostic(costCliMessages.badProfileFile, { file: command.out, reason: error instanceof Error ? error.message : String(error) })];
    }
  }
  const fresh: ProfileEntry[] = measured.results.map((result) => ({ device: deviceName, dtype, key: result.key, seconds: result.seconds }));
  const replaced = new Set(fresh.map((entry) => `${entry.device}\u0000${entry.dtype}\u0000${entry.key}`));
  const kept = existing.entries.filter((entry) => !replaced.has(`${entry.device}\u0000${entry.dtype}\u0000${entry.key}`));
  const db: ProfileDb = { version: 1, entries: [...kept, ...fresh] };
  try {
    fs.writeFileSync(command.out, `${JSON.stringify(db, null, 2)}\n`);
  } catch (error) {
    return [diagnostic(cliMessages.cannotWrite, { file: command.out, reason: error instanceof Error ? error.message : String(error) })];
  }
  io.out(`wrote ${command.out}: ${fresh.length} ops of ${program.name} measured on ${deviceName} (${dtype}), ${kept.length} other entries kept\n`);
  return [];
}
