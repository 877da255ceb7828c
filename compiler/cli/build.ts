/**
 * `meshtype build`: compile the files and write one device module per file.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { cliMessages } from "../diagnostics/cliMessages.ts";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.ts";
import { compileFiles } from "../index.ts";
import type { CliIo } from "./io.ts";

/** Where the module of `source` goes: `<dir>/generated/<name>.ts`, or `<out>/<name>.ts` with --out. */
export function outputPath(source: string, out: string | undefined): string {
  const base = path.basename(source);
  return out === undefined ? path.join(path.dirname(source), "generated", base) : path.join(out, base);
}

/** Run `meshtype build`; the diagnostics (empty on success). */
export function runBuild(files: readonly string[], out: string | undefined, typeCheck: boolean, io: CliIo): Diagnostic[] {
  const result = compileFiles(files, { typeCheck });
  const diagnostics = [...result.diagnostics];
  const programCount = result.files.reduce((count, file) => count + file.programs.length, 0);
  if (diagnostics.length === 0 && programCount === 0) {
    return [diagnostic(cliMessages.noPrograms, { files: files.join(", ") })];
  }
  if (diagnostics.length > 0) return diagnostics;
  const written = new Map<string, string>();
  for (const file of result.files) {
    if (file.module === undefined) continue;
    const target = outputPath(file.source, out);
    const other = written.get(path.resolve(target));
    if (other !== undefined && other !== path.resolve(file.source)) {
      return [diagnostic(cliMessages.cannotWrite, { file: target, reason: `${other} is written there too (same file name)` })];
    }
    written.set(path.resolve(target), path.resolve(file.source));
    try {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, file.module);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return [diagnostic(cliMessages.cannotWrite, { file: target, reason })];
    }
    const names = file.programs.map((program) => program.name).join(", ");
    io.out(`wrote ${target} (${names})\n`);
  }
  return [];
}
