/**
 * The compiler's public entry: user files in, device modules out.
 * `compileFiles` runs the front end (ts-morph project -> IR programs), the
 * pass pipeline (validate, decompose, lower) and the TypeScript back end, and
 * collects every user error as a Diagnostic instead of throwing.
 *
 * @example
 * const result = compileFiles(["examples/mlp/mlp.ts"]);
 * for (const file of result.files) console.log(file.module); // the generated device module
 * result.diagnostics.map(formatDiagnostic); // [] when everything compiled
 */
import * as path from "node:path";
import { emitModule } from "./backend/ts/emitModule.ts";
import { CompileError, type Diagnostic } from "./diagnostics/diagnostic.ts";
import { loadProjects, readPrograms, type LoadedProject } from "./frontend/index.ts";
import type { RecomputePolicy } from "./autodiff/forwardScope.ts";
import type { Program } from "./ir/ir.ts";
import { compileProgram } from "./passes/pipeline.ts";
import { compileStaged } from "./passes/stages/cutStages.ts";
import type { StagedProgram } from "./passes/stages/stagedProgram.ts";
import { emitPipelineTables } from "./passes/stages/emitPipeline.ts";

export { CompileError, formatDiagnostic, type Diagnostic } from "./diagnostics/diagnostic.ts";
export type { Program } from "./ir/ir.ts";

/** Options of `compileFiles`. */
export interface CompileOptions {
  /** Locations are written relative to this folder (default: the current folder). */
  readonly rootDir?: string;
  /** Report TypeScript errors in the files first (default: true). */
  readonly typeCheck?: boolean;
  /** Import specifiers of the generated modules (default "meshtype" and "meshtype/runtime"). */
  readonly dslModule?: string;
  readonly runtimeModule?: string;
  /** Compile only the programs bound to these names (default: every program of the files). */
  readonly programs?: readonly string[];
  /** Compile every program with this recomputation policy instead of its own, under "none" with no `checkpoint(f)` call recomputed either (explain's comparison with "none"). */
  readonly recompute?: RecomputePolicy;
  /** Write the TypeScript device module (default: true); `meshtype simulate` needs only the lowered programs. */
  readonly emit?: boolean;
}

/** One program through the pipeline: what the front end made, every pass's output, and the device program. */
export interface CompiledProgram {
  readonly name: string;
  readonly global: Program;
  readonly lowered: Program;
  /** The program after each pass, `input` first. */
  readonly stages: readonly { readonly pass: string; readonly program: Program }[];
  /**
   * A program with a `pipeline` option: its stage parts, each compiled
   * (`lowered` is then the same model compiled without the pipeline, on the
   * whole mesh, for tools that do not read pipelines yet).
   */
  readonly staged?: StagedProgram;
}

/** One source file: its compiled programs and the generated module (undefined when it has none that compiled). */
export interface CompiledFile {
  /** The path as given. */
  readonly source: string;
  readonly programs: readonly CompiledProgram[];
  readonly module: string | undefined;
}

/** The result of compiling some files: the files, and every user error found. */
export interface CompileResult {
  readonly files: readonly CompiledFile[];
  readonly diagnostics: readonly Diagnostic[];
  /** Absolute paths of every file of the user's projects that the compile read (the given files and what they import, outside node_modules); `--watch` watches them. */
  readonly inputs: readonly string[];
}

/** Compile `files` (paths absolute or relative to the current folder; they must exist). */
export function compileFiles(files: readonly string[], options: CompileOptions = {}): CompileResult {
  const diagnostics: Diagnostic[] = [];
  const compiled: CompiledFile[] = [];
  // without a type check, the @types packages a tsconfig pulls in (node's: most of the parsing) are not loaded
  const projects = loadProjects(files, { typeCheck: options.typeCheck ?? true });
  const sources = new Map(projects.flatMap((loaded) => loaded.files.map((file) => [file.getFilePath() as string, file])));
  for (const given of files) {
    const file = sources.get(path.resolve(given));
    if (file === undefined) throw new Error(`compileFiles: ${given} was not loaded`);
    const front = readPrograms([file], { rootDir: options.rootDir, typeCheck: options.typeCheck, ...(options.programs === undefined ? {} : { programs: options.programs }),
      ...(options.recompute === undefined ? {} : { recompute: options.recompute }) });
    diagnostics.push(...front.diagnostics);
    const programs: CompiledProgram[] = [];
    for (const program of front.programs) {
      const stages: { pass: string; program: Program }[] = [];
      try {
        if (program.pipeline === undefined) {
          const lowered = compileProgram(program, { stages });
          programs.push({ name: program.name, global: program, lowered, stages });
        } else {
          programs.push(pipelinedProgram(program, compileStaged(program)));
        }
      } catch (error) {
        if (!(error instanceof CompileError)) throw error;
        diagnostics.push(...error.diagnostics);
      }
    }
    // a pipelined program is emitted as its parts' device functions, its `<name>Pipeline` meta and `<name>Stages` table
    const emitted = programs.flatMap((item) => (item.staged === undefined ? [item.lowered] : item.staged.parts.map((part) => part.program)));
    const module = options.emit !== false && programs.length > 0 && programs.length === front.programs.length
      ? emitModule(emitted, { sourceFile: given, dslModule: options.dslModule, runtimeModule: options.runtimeModule }) +
        programs.flatMap((item) => (item.staged === undefined ? [] : [emitPipelineTables(item.staged)])).join("")
      : undefined;
    compiled.push({ source: given, programs, module });
  }
  return { files: compiled, diagnostics, inputs: projects.flatMap(projectInputs) };
}

/**
 * A pipelined program: its compiled stage parts, and (compiled only when a
 * tool reads them, for tools that do not read pipelines yet) the same model
 * compiled whole, without the pipeline.
 */
function pipelinedProgram(program: Program, staged: StagedProgram): CompiledProgram {
  let whole: { lowered: Program; stages: { pass: string; program: Program }[] } | undefined;
  const compileWhole = (): { lowered: Program; stages: { pass: string; program: Program }[] } => {
    if (whole === undefined) {
      const stages: { pass: string; program: Program }[] = [];
      whole = { lowered: compileProgram(program, { stages }), stages };
    }
    return whole;
  };
  return {
    name: program.name,
    global: program,
    staged,
    get lowered() {
      return compileWhole().lowered;
    },
    get stages() {
      return compileWhole().stages;
    },
  };
}

/** The files of a loaded project that are the user's: not TypeScript's libraries, not under node_modules. */
function projectInputs(loaded: LoadedProject): string[] {
  const program = loaded.project.getProgram().compilerObject;
  return program.getSourceFiles()
    .filter((file) => !program.isSourceFileDefaultLibrary(file) && !program.isSourceFileFromExternalLibrary(file) && !file.fileName.split(/[\\/]/).includes("node_modules"))
    .map((file) => path.resolve(file.fileName));
}

/** Compile one file (see `compileFiles`). */
export function compileFile(file: string, options: CompileOptions = {}): CompileResult {
  return compileFiles([file], options);
}
