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

/** Compiler options used when no tsconfig.json is found: what this package's own tsconfig uses. */
export const defaultCompilerOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  allowImportingTsExtensions: true,
  noEmit: true,
  strict: true,
  skipLibCheck: true,
};

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

/** Create a project for one tsconfig (or the defaults), without adding the tsconfig's own file list. */
export function createProject(tsConfig: string | undefined): Project {
  if (tsConfig === undefined) return new Project({ compilerOptions: defaultCompilerOptions });
  try {
    return new Project({ tsConfigFilePath: tsConfig, skipAddingFilesFromTsConfig: true });
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new CompileError([diagnostic(frontendMessages.noProject, { file: tsConfig, reason })]);
  }
}

/**
 * Load the projects of `files` (absolute or relative to the current folder):
 * one project per tsconfig.json. The files must exist (the CLI checks first).
 */
export function loadProjects(files: readonly string[]): LoadedProject[] {
  const groups = new Map<string | undefined, string[]>();
  for (const file of files) {
    const absolute = path.resolve(file);
    const tsConfig = findTsConfig(absolute);
    const group = groups.get(tsConfig) ?? [];
    group.push(absolute);
    groups.set(tsConfig, group);
  }
  return [...groups].map(([tsConfig, group]) => {
    const project = createProject(tsConfig);
    const sourceFiles = group.map((file) => project.addSourceFileAtPath(file));
    return { project, tsConfig, files: sourceFiles };
  });
}
