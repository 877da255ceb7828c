/**
 * Loading the user's TypeScript project with ts-morph: the tsconfig.json found
 * upward from each source file (or sane defaults when there is none), and the
 * given files added to it. Files are grouped so that each tsconfig is loaded once.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Project, ts, type SourceFile } from "ts-morph";
import { CompileError, diagnostic } from "../diagnostics/diagnostic.ts";
import { frontendMessages } from "../diagnostics/frontendMessages.ts";

/**
 * The package.json export condition under which `meshtype`, `meshtype/runtime`
 * and `meshtype/stdlib` resolve to meshtype's TypeScript sources instead of
 * dist/*.d.ts. The compiler reads the user's program under it: it inlines the
 * bodies of `meshtype/stdlib` layers, which declarations do not have.
 */
export const sourceCondition = "meshtype-source";

/** Compiler options used when no tsconfig.json is found: what this package's own tsconfig uses. */
export const defaultCompilerOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  allowImportingTsExtensions: true,
  noEmit: true,
  strict: true,
  skipLibCheck: true,
  customConditions: [sourceCondition],
};

/** The resolution modes that read package.json `exports` conditions (and so accept `customConditions`). */
const conditionalResolution: ReadonlySet<ts.ModuleResolutionKind | undefined> = new Set([
  ts.ModuleResolutionKind.Node16, ts.ModuleResolutionKind.NodeNext, ts.ModuleResolutionKind.Bundler,
]);

/** The module resolution `options` give, explicitly or through `module` (undefined when neither says). */
function moduleResolutionOf(options: ts.CompilerOptions): ts.ModuleResolutionKind | undefined {
  if (options.moduleResolution !== undefined) return options.moduleResolution;
  if (options.module === ts.ModuleKind.Preserve) return ts.ModuleResolutionKind.Bundler;
  const nodeModules: readonly (ts.ModuleKind | undefined)[] = [ts.ModuleKind.Node16, ts.ModuleKind.Node18, ts.ModuleKind.Node20, ts.ModuleKind.NodeNext];
  return nodeModules.includes(options.module) ? ts.ModuleResolutionKind.NodeNext : undefined;
}

/** Add the source condition to a project loaded from the user's tsconfig (when its module resolution reads conditions). */
function readMeshtypeSources(project: Project): void {
  const options = project.getCompilerOptions();
  if (!conditionalResolution.has(moduleResolutionOf(options))) return;
  const conditions = options.customConditions ?? [];
  if (!conditions.includes(sourceCondition)) project.compilerOptions.set({ customConditions: [...conditions, sourceCondition] });
}

/** The nearest tsconfig.json in `file`'s folder or a folder above it, or undefined. */
export function findTsConfig(file: string): string | undefined {
  let dir = path.dirname(path.resolve(file));
  for (;;) {
    const candidate = path.join(dir, "tsconfig.json");
    if (fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** A loaded ts-morph project and the user's files in it. */
export interface LoadedProject {
  readonly project: Project;
  /** The tsconfig.json it was loaded from, or undefined for the defaults. */
  readonly tsConfig: string | undefined;
  readonly files: readonly SourceFile[];
}

/** How a project is loaded. */
export interface LoadOptions {
  /**
   * The files will be type-checked (default true). When false, the global
   * declaration packages that TypeScript includes on its own (`types` in
   * tsconfig.json, or every `node_modules/@types` package) are left out:
   * reading a program needs only meshtype's types and what the user's files
   * import, and `@types/node` alone is most of what a project would parse
   * and bind. Imports and `/// <reference types>` still load what they name.
   */
  readonly typeCheck?: boolean;
}

/** Leave out the automatically included `@types` packages (see `LoadOptions.typeCheck`). */
function skipGlobalTypes(project: Project): Project {
  project.compilerOptions.set({ types: [] });
  return project;
}

/** Create a project for one tsconfig (or the defaults), without adding the tsconfig's own file list. */
export function createProject(tsConfig: string | undefined, options: LoadOptions = {}): Project {
  const checked = options.typeCheck ?? true;
  if (tsConfig === undefined) {
    const project = new Project({ compilerOptions: defaultCompilerOptions });
    return checked ? project : skipGlobalTypes(project);
  }
  try {
    const project = new Project({ tsConfigFilePath: tsConfig, skipAddingFilesFromTsConfig: true });
    readMeshtypeSources(project);
    return checked ? project : skipGlobalTypes(project);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new CompileError([diagnostic(frontendMessages.noProject, { file: tsConfig, reason })]);
  }
}

/**
 * Load the projects of `files` (absolute or relative to the current folder):
 * one project per tsconfig.json. The files must exist (the CLI checks first).
 */
export function loadProjects(files: readonly string[], options: LoadOptions = {}): LoadedProject[] {
  const groups = new Map<string | undefined, string[]>();
  for (const file of files) {
    const absolute = path.resolve(file);
    const tsConfig = findTsConfig(absolute);
    const group = groups.get(tsConfig) ?? [];
    group.push(absolute);
    groups.set(tsConfig, group);
  }
  return [...groups].map(([tsConfig, group]) => {
    const project = createProject(tsConfig, options);
    const sourceFiles = group.map((file) => project.addSourceFileAtPath(file));
    return { project, tsConfig, files: sourceFiles };
  });
}
