/**
 * The pieces of the torch bench (bench/torch.ts): build a source file with the
 * torch target into a work folder, launch chosen programs with torchrun on
 * gloo and read the launcher's time per step, check every rank against the
 * eager result, and run and check a hand-written reference script.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { torchBuildFiles, torchModuleFileName } from "../../compiler/backend/torch/index.ts";
import { compileFiles, formatDiagnostic, type CompiledProgram } from "../../compiler/index.ts";
import type { TensorTree } from "../../compiler/testing/interpret.ts";
import { compareRanks } from "../../compiler/testing/torch/compareRanks.ts";
import { readNpy } from "../../compiler/testing/torch/npy.ts";
import { freePort, launch, readRanks, torchrunArgs } from "../../compiler/testing/torch/runTorch.ts";
import { Tensor } from "../../dsl/tensor.ts";

/** Untimed and timed steps of one launch, and how many launches of each program (alternating with its baseline). */
export interface Steps {
  readonly warmup: number;
  readonly timed: number;
  /** Launches per program; the figure is their median, and the spread is printed beside it. */
  readonly rounds: number;
}

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** One timed program: its name, `mesh "layout"`, process count and time per step. */
export interface TimedProgram {
  readonly program: string;
  readonly mesh: string;
  readonly processes: number;
  readonly ms: number;
  /** Largest difference of any rank's result from the eager one. */
  readonly worst: number;
}

/** How close a result must be to the eager TypeScript one. */
export const benchTolerance = { absolute: 1e-3, relative: 1e-3 };

/** Compile `source` (no type check) and write `<name>_torch.py` and meshtype_torch into `work`; its programs by name. */
export function buildTorch(source: string, work: string, root: string): Map<string, CompiledProgram> {
  const compiled = compileFiles([source], { rootDir: root, typeCheck: false });
  if (compiled.diagnostics.length > 0) throw new Error(`bench/torch: ${source} did not compile:\n${compiled.diagnostics.map(formatDiagnostic).join("\n")}`);
  const programs = new Map(compiled.files.flatMap((file) => file.programs.map((item) => [item.name, item] as const)));
  for (const file of torchBuildFiles([...programs.values()].map((item) => item.lowered), { sourceFile: path.relative(root, source) })) {
    fs.mkdirSync(path.dirname(path.join(work, file.path)), { recursive: true });
    fs.writeFileSync(path.join(work, file.path), file.text);
  }
  return programs;
}

/** The figure of `marker ...: 1.234 ms per step` in a log. */
export function msPerStep(log: string, marker: string): number {
  const match = new RegExp(`${marker}[^\\n]*?: ([0-9.]+) ms per step`).exec(log);
  if (!match) throw new Error(`bench/torch: no "${marker} ... ms per step" line in the output:\n${log.slice(-3000)}`);
  return Number(match[1]);
}

/**
 * Launch `names` (all on `processes` devices) from the module of `source` in `work` with inputs in `work/in`;
 * check every rank against `expected`; the time per step of each.
 */
export async function timeCompiled(
  work: string, source: string, programs: ReadonlyMap<string, CompiledProgram>, names: readonly string[],
  processes: number, expected: TensorTree, steps: Steps,
): Promise<TimedProgram[]> {
  const log = await launch([
    ...torchrunArgs(processes, await freePort(), path.join(work, "logs")),
    torchModuleFileName(source), ...names.map((name) => `--program=${name}`),
    "--inputs=in", "--outputs=out", "--backend=gloo", `--warmup=${steps.warmup}`, `--steps=${steps.timed}`,
  ], work, 900_000);
  return names.map((name) => {
    const item = programs.get(name);
    if (!item) throw new Error(`bench/torch: no program ${name} in ${source}; it has ${[...programs.keys()].join(", ")}`);
    const check = compareRanks(item.lowered, readRanks(path.join(work, "out", name), item.lowered, processes), expected, benchTolerance);
    if (check.problems.length > 0) throw new Error(`bench/torch: ${name} on torch disagrees with eager TypeScript:\n${check.problems.join("\n")}`);
    const mesh = item.lowered.mesh.map((axis) => `${axis.name}=${axis.size}`).join(" x ");
    return { program: name, mesh: `${mesh} "${item.lowered.layoutSpec}"`, processes, ms: msPerStep(log, `meshtype_torch: ${name} on`), worst: check.worst };
  });
}

function leafAt(tree: TensorTree, segments: readonly string[]): Tensor<string> | undefined {
  let node: TensorTree | undefined = tree;
  for (const segment of segments) node = node === undefined || node instanceof Tensor ? undefined : (node as Record<string, TensorTree>)[segment];
  return node instanceof Tensor ? node : undefined;
}

/**
 * Run a reference script (`script --inputs in --outputs ref ...` in `work`), check every `ref/result[.<path>].npy`
 * it wrote against that leaf of `expected` (none missing, at most `tolerance` apart), and return its time per step.
 */
export async function timeReference(python: readonly string[], work: string, expected: TensorTree, steps: Steps, marker: string): Promise<{ ms: number; worst: number }> {
  const outputs = path.join(work, "reference");
  fs.rmSync(outputs, { recursive: true, force: true });
  const log = await launch([...python, "--inputs=in", `--outputs=${outputs}`, `--warmup=${steps.warmup}`, `--steps=${steps.timed}`], work, 900_000);
  const files = fs.readdirSync(outputs).filter((file) => file.endsWith(".npy"));
  if (files.length === 0) throw new Error(`bench/torch: ${python.join(" ")} wrote no result into ${outputs}`);
  let worst = 0;
  for (const file of files) {
    const segments = file.slice(0, -".npy".length).split(".").slice(1);
    const want = leafAt(expected, segments);
    const { shape, data } = readNpy(path.join(outputs, file));
    if (!want || shape.join(" ") !== want.shape.join(" ")) throw new Error(`bench/torch: reference ${file} [${shape}] has no eager counterpart of that shape`);
    data.forEach((value, index) => {
      const difference = Math.abs(value - want.data[index]);
      if (!(difference <= benchTolerance.absolute + benchTolerance.relative * Math.abs(want.data[index]))) {
        throw new Error(`bench/torch: reference ${file} element ${index} is ${value}, eager TypeScript says ${want.data[index]}`);
      }
      worst = Math.max(worst, difference);
    });
  }
  return { ms: msPerStep(log, marker), worst };
}
