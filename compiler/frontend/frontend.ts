/**
 * The front end: from the user's files to IR programs. For each file it
 * reports TypeScript errors (MT1000) in it and in every user file it imports
 * (each at its own place, once), finds the program bindings and reads
 * each into a Program. Diagnostics are collected, not thrown: one bad program
 * does not hide the others.
 */
import { ts, type SourceFile } from "ts-morph";
import { CompileError, diagnostic, type Diagnostic } from "../diagnostics/diagnostic.ts";
import { frontendMessages } from "../diagnostics/frontendMessages.ts";
import type { PipelineSpec, Program } from "../ir/ir.ts";
import { findPrograms, type ProgramBinding } from "./findPrograms.ts";
import type { RecomputePolicy } from "../autodiff/forwardScope.ts";
import type { WorkLimits } from "./evaluator.ts";
import { Locator } from "./location.ts";
import { reachedUserFiles } from "./reachedFiles.ts";
import { readProgram } from "./readProgram.ts";

/** Options of the front end. */
export interface FrontEndOptions {
  /** Paths in locations are relative to this folder (default: the current folder). */
  readonly rootDir?: string;
  /**
   * Report TypeScript errors in the given files and the user files they import first, and skip
   * their programs (default: true). Syntax errors are always reported.
   */
  readonly typeCheck?: boolean;
  /** The work bounds of each program (default `defaultWorkLimits`: the tests lower them). */
  readonly limits?: WorkLimits;
  /** Read only the bindings with these names (default: every binding of the files). */
  readonly programs?: readonly string[];
  /** Read every binding with this recomputation policy instead of its own, and under "none" its `checkpoint(f)` calls recompute nothing either (explain compares with "none"). */
  readonly recompute?: RecomputePolicy;
}

/** What the front end made of some files: the programs it read, and the user errors it found. */
export interface FrontEndResult {
  readonly programs: readonly Program[];
  readonly diagnostics: readonly Diagnostic[];
}

/** The TypeScript errors of `file` (only its syntax errors unless `semantic`), as MT1000 diagnostics. */
export function typeErrors(file: SourceFile, locator: Locator, semantic = true): Diagnostic[] {
  const found = semantic ? file.getPreEmitDiagnostics() : file.getProject().getProgram().getSyntacticDiagnostics(file);
  return found
    .filter((item) => item.getCategory() === ts.DiagnosticCategory.Error)
    .map((item) => {
      const message = item.getMessageText();
      const text = typeof message === "string" ? message : ts.flattenDiagnosticMessageText(message.compilerObject, "\n");
      const source = item.getSourceFile() ?? file;
      const start = item.getStart() ?? 0;
      const { line, column } = source.getLineAndColumnAtPos(start);
      return diagnostic(frontendMessages.typeError, { text: text.split("\n")[0] }, locator.at(source.getFilePath(), line, column));
    });
}

/** Read every program bound in `files`. */
export function readPrograms(files: readonly SourceFile[], options: FrontEndOptions = {}): FrontEndResult {
  const locator = new Locator(options.rootDir ?? process.cwd());
  const programs: Program[] = [];
  const diagnostics: Diagnostic[] = [];
  const checked = new Map<SourceFile, Diagnostic[]>();
  for (const file of files) {
    // The file and every user file it imports (helpers, configs); each file's errors are reported once, at their own place.
    let failed = false;
    for (const reached of reachedUserFiles(file)) {
      let errors = checked.get(reached);
      if (errors === undefined) {
        errors = typeErrors(reached, locator, options.typeCheck ?? true);
        checked.set(reached, errors);
        diagnostics.push(...errors);
      }
      if (errors.length > 0) failed = true;
    }
    if (failed) continue;
    const found = findPrograms(file, locator);
    diagnostics.push(...found.diagnostics);
    for (const binding of found.bindings) {
      if (options.programs !== undefined && !options.programs.includes(binding.name)) continue;
      try {
        const withRecompute = options.recompute === undefined ? binding : { ...binding, recompute: options.recompute, checkpoints: options.recompute !== "none" };
        const read = readProgram(withRecompute, locator, options.limits);
        programs.push(binding.pipeline === undefined ? read : { ...read, pipeline: withMicrobatch(withRecompute, binding.pipeline, locator, options.limits) });
      } catch (error) {
        if (!(error instanceof CompileError)) throw error;
        diagnostics.push(...error.diagnostics);
      }
    }
  }
  return { programs, diagnostics: oncePerRootCause(diagnostics) };
}

/**
 * The pipeline option with the model read again at micro-batch size (the
 * dim `batch` divided by the count), so that what the model computes from
 * sizes (a mean's 1 / count) is the micro-batch's.
 */
function withMicrobatch(binding: ProgramBinding, spec: PipelineSpec, locator: Locator, limits: WorkLimits | undefined): PipelineSpec {
  const batch = binding.sizes.batch;
  if (spec.microbatches === 1 || batch === undefined) return spec;
  const sizes = { ...binding.sizes, batch: batch / spec.microbatches };
  return { ...spec, microbatch: readProgram({ ...binding, sizes, sources: { ...binding.sources, dimSizes: sizes } }, locator, limits) };
}

/**
 * Each diagnostic once: one root cause read by several programs (a dims({...})
 * entry, a module-level constant) gives the same code, message and place in
 * each of them, and is reported for the first only.
 */
function oncePerRootCause(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((item) => {
    const key = `${item.code}|${item.loc?.file}:${item.loc?.line}:${item.loc?.column}|${item.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
