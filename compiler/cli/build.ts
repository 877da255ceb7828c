/**
 * `meshtype build`: compile the files and write one device module per file:
 * a TypeScript module (`--target ts`, the default), or a Python module for
 * torch.distributed with its `meshtype_torch` runtime beside it (`--target torch`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { torchBuildFiles } from "../backend/torch/index.ts";
import { cliMessages } from "../diagnostics/cliMessages.ts";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.ts";
import { compileFiles, type CompiledFile } from "../index.ts";
import type { CliIo } from "./io.ts";

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
}

/** The folder the files of `source` go to: `<dir>/generated`, or `out` with --out. */
export function outputDir(source: string, out: string | undefined): string {
  return out ?? path.join(path.dirname(source), "generated");
}

/** The files one compiled source writes (paths relative to its output folder); the module first. */
function filesOf(file: CompiledFile, target: BuildTarget): { path: string; text: string }[] {
  if (target === "torch") return torchBuildFiles(file.programs.map((program) => program.lowered), { sourceFile: file.source });
  return file.module === undefined ? [] : [{ path: path.basename(file.source), text: file.module }];
}

/** Run `meshtype build`; the diagnostics (empty on success). */
export function runBuild(files: readonly string[], options: BuildOptions, io: CliIo): Diagnostic[] {
  const result = compileFiles(files, { typeCheck: options.typeCheck });
  const diagnostics = [...result.diagnostics];
  const programCount = result.files.reduce((count, file) => count + file.programs.length, 0);
  if (diagnostics.length === 0 && programCount === 0) {
    return [diagnostic(cliMessages.noPrograms, { files: files.join(", ") })];
  }
  if (diagnostics.length > 0) return diagnostics;
  const writtenBy = new Map<string, string>();
  for (const file of result.files) {
    if (file.programs.length === 0) continue;
    const [module, ...support] = filesOf(file, options.target).map((item) => ({ ...item, target: path.join(outputDir(file.source, options.out), item.path) }));
    if (module === undefined) continue;
    const other = writtenBy.get(path.resolve(module.target));
    if (other !== undefined && other !== path.resolve(file.source)) {
      return [diagnostic(cliMessages.cannotWrite, { file: module.target, reason: `${other} is written there too (same file name)` })];
    }
    writtenBy.set(path.resolve(module.target), path.resolve(file.source));
    for (const item of [module, ...support]) {
      try {
        fs.mkdirSync(path.dirname(item.target), { recursive: true });
        fs.writeFileSync(item.target, item.text);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        return [diagnostic(cliMessages.cannotWrite, { file: item.target, reason })];
      }
    }
    const names = file.programs.map((program) => program.name).join(", ");
    const runtime = support.length > 0 ? ` and its runtime ${path.join(outputDir(file.source, options.out), "meshtype_torch")}/` : "";
    io.out(`wrote ${module.target} (${names})${runtime}\n`);
  }
  return [];
}
