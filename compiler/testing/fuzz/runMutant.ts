/**
 * One mutant through the build, as `meshtype build` runs it: the mutated text
 * replaces the file in the shared project, the entry file is read (type
 * checked or not) and every program goes through the passes; the text is
 * put back afterwards. The outcome is "compiled" (and then the first
 * program's gathered result is checked against eager), "diagnostic", or a
 * fault: a crash (any exception but a CompileError), or a diagnostic that is
 * not what users must get (no code, no location, a location inside meshtype's
 * own files other than the mutated one, IR ids or a doubled prefix in its text,
 * or the same diagnostic twice in the front end's list or in one program's).
 */
import * as path from "node:path";
import type { Project } from "ts-morph";
import { CompileError } from "../../diagnostics/diagnostic.ts";
import { readPrograms } from "../../frontend/frontend.ts";
import type { Program } from "../../ir/ir.ts";
import { walkOps } from "../../ir/opAttrs.ts";
import { compileProgram } from "../../passes/pipeline.ts";
import { MeshtypeError } from "../../../dsl/errors.ts";
import { Tensor } from "../../../dsl/tensor.ts";
import { makeInputs, maxDifference, runEager, runLowered } from "../harness.ts";
import type { TensorTree } from "../interpret.ts";
import { diagnosticProblem, repeatedProblem } from "../diagnosticChecks.ts";
import { repo, type FuzzTarget } from "./targets.ts";

/** What became of one mutant. */
export type MutantOutcome =
  | { readonly kind: "compiled"; readonly programs: number; readonly checked: boolean }
  | { readonly kind: "diagnostic"; readonly codes: readonly string[] }
  | { readonly kind: "fault"; readonly problem: string };

/** The gathered result of `lowered` against the eager run of `global`, on inputs drawn from `seed`. */
async function equalsEager(global: Program, lowered: Program, seed: number): Promise<string | undefined> {
  const args = makeInputs(global, seed, idInputs(global));
  let expected: TensorTree;
  try {
    expected = await runEager(global, args);
  } catch (error) {
    // A mutant may compute something the ops refuse at run time (ids that are not whole numbers): a user error the
    // compiler cannot see. The eager reference names it; the compiled program must refuse it too, never return numbers.
    if (!(error instanceof MeshtypeError)) throw error;
    const refused = await runLowered(lowered, args).then(
      () => false,
      (compiledError: unknown) => compiledError instanceof MeshtypeError,
    );
    return refused ? undefined : `program ${global.name}: eager refuses its inputs (${error.message.split("\n")[0]}) but the compiled program ran`;
  }
  const { result } = await runLowered(lowered, args);
  const difference = maxDifference(withoutNaN(result), withoutNaN(expected));
  return difference <= 1e-3 * scaleOf(expected) ? undefined : `program ${global.name} compiled but its gathered result differs from eager by ${difference}`;
}

/** The param leaves read as ids (by oneHot, or as gather's indices), with their bound: they get whole numbers. */
function idInputs(program: Program): Record<string, number> {
  const paths = new Map<number, string>();
  const ids: Record<string, number> = {};
  for (const op of walkOps(program.body)) {
    if (op.op === "param") paths.set(op.output, op.path);
    const read = op.op === "oneHot" ? { id: op.inputs[0], bound: op.dim.size } : op.op === "gather" ? { id: op.inputs[1], bound: program.values.get(op.inputs[0] ?? -1)?.dims.find((dim) => dim.name === op.dim)?.size } : undefined;
    const path = read?.id === undefined ? undefined : paths.get(read.id);
    if (path !== undefined && read?.bound !== undefined) ids[path] = read.bound;
  }
  return ids;
}

/** Elements of every value of a program: above `maxCheckedElements` the eager check is skipped (the build itself is still checked). */
function elementCount(program: Program): number {
  let total = 0;
  for (const value of program.values.values()) total += value.dims.reduce((product, dim) => product * dim.size, 1);
  return total;
}

/** The largest program (in elements over all its values) whose result is compared with eager: a mutant that makes a dim 10^6 long still builds, but is not run. */
export const maxCheckedElements = 2_000_000;

/** A tree with NaN read as a large sentinel and infinities as finite ones, so that equal NaNs compare equal and a NaN against a number does not. */
function withoutNaN(tree: TensorTree): TensorTree {
  if (tree instanceof Tensor) return new Tensor(tree.dims, tree.data.map((value) => (Number.isNaN(value) ? 3e38 : value === Infinity ? 2e38 : value === -Infinity ? -2e38 : value)), tree.label);
  if (Array.isArray(tree)) return tree.map(withoutNaN);
  return Object.fromEntries(Object.entries(tree as Record<string, TensorTree>).map(([field, item]) => [field, withoutNaN(item)]));
}

/** The largest finite magnitude in a tree (at least 1): the tolerance is relative. */
function scaleOf(tree: TensorTree): number {
  let largest = 1;
  const visit = (node: TensorTree): void => {
    if (node instanceof Tensor) {
      for (const value of node.data) if (Number.isFinite(value)) largest = Math.max(largest, Math.abs(value));
    } else if (Array.isArray(node)) node.forEach(visit);
    else Object.values(node as Record<string, TensorTree>).forEach(visit);
  };
  visit(tree);
  return largest;
}

/** Build `target` with its file's text replaced by `text`; the outcome. The project's text is restored. */
export async function runMutant(project: Project, target: FuzzTarget, text: string, options: { typeCheck: boolean; seed: number }): Promise<MutantOutcome> {
  const file = project.getSourceFileOrThrow(path.join(repo, target.file));
  const entry = project.getSourceFileOrThrow(path.join(repo, target.entry));
  const original = file.getFullText();
  try {
    file.replaceWithText(text);
    const front = readPrograms([entry], { rootDir: repo, typeCheck: options.typeCheck });
    const diagnostics = [...front.diagnostics];
    // Each list once per root cause: the front end's, and each program's (two programs may each report a shared cause; the CLI prints it once).
    let repeated = repeatedProblem(front.diagnostics);
    const compiled: { global: Program; lowered: Program }[] = [];
    for (const program of front.programs) {
      try {
        compiled.push({ global: program, lowered: compileProgram(program) });
      } catch (error) {
        if (!(error instanceof CompileError)) throw error;
        diagnostics.push(...error.diagnostics);
        repeated ??= repeatedProblem(error.diagnostics);
      }
    }
    for (const item of diagnostics) {
      const problem = diagnosticProblem(item, target.file);
      if (problem !== undefined) return { kind: "fault", problem };
    }
    if (repeated !== undefined) return { kind: "fault", problem: repeated };
    if (diagnostics.length > 0) return { kind: "diagnostic", codes: [...new Set(diagnostics.map((item) => item.code))] };
    const first = compiled[0];
    // A pipelined program runs stage by stage (its own tests check it against eager); here it is built, not run.
    const pipelined = first !== undefined && "pipeline" in first.global && first.global.pipeline !== undefined;
    const checked = first !== undefined && !pipelined && elementCount(first.global) <= maxCheckedElements;
    const difference = checked ? await equalsEager(first.global, first.lowered, options.seed) : undefined;
    if (difference !== undefined) return { kind: "fault", problem: difference };
    return { kind: "compiled", programs: compiled.length, checked };
  } catch (error) {
    return { kind: "fault", problem: `crash: ${error instanceof Error ? (error.stack ?? error.message).split("\n").slice(0, 6).join("\n") : String(error)}` };
  } finally {
    file.replaceWithText(original);
  }
}
