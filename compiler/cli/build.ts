/**
 * `meshtype build`: compile the files and write one device module per file:
 * a TypeScript module (`--target ts`, the default), or a Python module for
 * torch.distributed with its `meshtype_torch` runtime beside it (`--target torch`).
 */
import { pipelinedMeta } from "../passes/stages/pipelinedMeta.ts";
import * as fs from "node:fs";
import * as path from "node:path";
import { torchBuildFiles } from "../backend/torch/index.ts";
import { cliMessages } from "../diagnostics/cliMessages.ts";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.ts";
import { compileFiles, type CompiledFile } from "../index.ts";
import { defineCommand, type CommandOutcome } from "./command.ts";
import type { CliIo } from "./io.ts";
import { jsonFormatVersion } from "./printDiagnostics.ts";
import { projectRoot } from "./projectRoot.ts";
import { suggest } from "./suggest.ts";

/** The back ends `meshtype build --target` knows, the first the default. */
export const buildTargets = ["ts", "torch"] as const;

/** A back end of `meshtype build`. */
export type BuildTarget = (typeof buildTargets)[number];

/** What `meshtype build` was asked to do. */
export interface BuildOptions {
  /** Write every module into this folder instead of `<source dir>/generated/`. */
  readonly out: string | undefined;
  readonly typeCheck: boolean;
  readonly target: BuildTarget;
  /** Print `{ version, files: [{ source, written, programs }] }` instead of a line per file. */
  readonly json?: boolean;
}

/** The folder the files of `source` go to: `<dir>/generated`, or `out` with --out. */
export function outputDir(source: string, out: string | undefined): string {
  return out ?? path.join(path.dirname(source), "generated");
}

/** The files one compiled source writes (paths relative to its output folder); the module first. */
function filesOf(file: CompiledFile, target: BuildTarget): { path: string; text: string }[] {
  if (target === "torch") {
    const programs = file.programs.flatMap((program) => (program.staged === undefined ? [program.lowered] : program.staged.parts.map((part) => part.program)));
    const pipelines = file.programs.flatMap((program) => (program.staged === undefined ? [] : [{ name: program.name, meta: pipelinedMeta(program.staged) }]));
    return torchBuildFiles(programs, { sourceFile: file.source, ...(pipelines.length > 0 ? { pipelines } : {}) });
  }
  return file.module === undefined ? [] : [{ path: path.basename(file.source), text: file.module }];
}

/** Run `meshtype build`: the diagnostics (empty on success) and the files it read. */
export function runBuild(files: readonly string[], options: BuildOptions, io: CliIo): CommandOutcome {
  const rootDir = options.json === true ? projectRoot(files) : process.cwd();
  const result = compileFiles(files, { typeCheck: options.typeCheck, rootDir });
  const outcome = (diagnostics: readonly Diagnostic[]): CommandOutcome => ({ diagnostics, inputs: result.inputs, rootDir });
  const programCount = result.files.reduce((count, file) => count + file.programs.length, 0);
  if (result.diagnostics.length === 0 && programCount === 0) {
    return outcome([diagnostic(cliMessages.noPrograms, { files: files.join(", ") })]);
  }
  if (result.diagnostics.length > 0) return outcome(result.diagnostics);
  const writtenBy = new Map<string, string>();
  const report: { source: string; written: string[]; programs: string[] }[] = [];
  for (const file of result.files) {
    if (file.programs.length === 0) continue;
    const [module, ...support] = filesOf(file, options.target).map((item) => ({ ...item, target: path.join(outputDir(file.source, options.out), item.path) }));
    if (module === undefined) continue;
    const other = writtenBy.get(path.resolve(module.target));
    if (other !== undefined && other !== path.resolve(file.source)) {
      return outcome([diagnostic(cliMessages.cannotWrite, { file: module.target, reason: `${other} is written there too (same file name)` })]);
    }
    writtenBy.set(path.resolve(module.target), path.resolve(file.source));
    for (const item of [module, ...support]) {
      try {
        fs.mkdirSync(path.dirname(item.target), { recursive: true });
        fs.writeFileSync(item.target, item.text);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        return outcome([diagnostic(cliMessages.cannotWrite, { file: item.target, reason })]);
      }
    }
    const names = file.programs.map((program) => program.name);
    report.push({ source: file.source, written: [module, ...support].map((item) => item.target), programs: names });
    const runtime = support.length > 0 ? ` and its runtime ${path.join(outputDir(file.source, options.out), "meshtype_torch")}/` : "";
    if (options.json !== true) io.out(`wrote ${module.target} (${names.join(", ")})${runtime}\n`);
  }
  if (options.json === true) io.out(`${JSON.stringify({ version: jsonFormatVersion, files: report }, null, 2)}\n`);
  return outcome([]);
}

function isBuildTarget(value: string): value is BuildTarget {
  return (buildTargets as readonly string[]).includes(value);
}

/** `meshtype build`, as the command table lists it. */
export const buildCommand = defineCommand({
  name: "build",
  summary: "Compile each program(...) of the files into a module of device programs.",
  description: `Compile every \`export const NAME = program(model, { mesh, layout })\` in the files into
a device module per file. By default the module of DIR/model.ts is written to
DIR/generated/model.ts; with --out DIR every module goes to DIR/<file name>.
  --target ts     a TypeScript module of device programs (the default)
  --target torch  a Python module for torch.distributed, DIR/<name>_torch.py,
                  and its runtime package DIR/meshtype_torch/; run it with
                  torchrun --nproc_per_node <devices> --redirects=1 --tee=1 DIR/<name>_torch.py
                    --program NAME (--inputs IN | --init-seed S) [--outputs OUT]
                  (docs/torch.md: one GPU node, several nodes, NCCL, inputs)`,
  operands: "files",
  watch: true,
  options: {
    out: { type: "string", short: "o", valueName: "DIR", description: "write every module into DIR instead of generated/ beside its source" },
    target: { type: "string", short: "t", choices: buildTargets, description: "the back end: ts (default) or torch" },
    "no-typecheck": { type: "boolean", description: "skip reporting TypeScript errors in the files (faster)" },
    json: { type: "boolean", description: "print { version, files: [{ source, written, programs }] } (or the diagnostics) as JSON" },
  },
  examples: [
    "meshtype build examples/mlp/mlp.ts                  # writes examples/mlp/generated/mlp.ts",
    "meshtype build src/model.ts -o src/generated --watch",
    "meshtype build examples/mlp/mlp.ts --target torch -o out/",
  ],
  run: ({ files, options }, { io }) => {
    const target = options.target ?? "ts";
    if (!isBuildTarget(target)) {
      return [diagnostic(cliMessages.unknownTarget, { target, known: buildTargets.join(", "), suggestion: suggest(target, buildTargets) })];
    }
    return runBuild(files, { out: options.out, typeCheck: !options["no-typecheck"], target, json: options.json }, io);
  },
});
