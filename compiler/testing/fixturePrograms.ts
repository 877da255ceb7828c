/**
 * The programs of one TypeScript fixture file, read by the front end for a
 * test: the file goes into a ts-morph project with the repository's tsconfig,
 * and each program is looked up by name with an error that lists the front
 * end's diagnostics when it is missing.
 */
import * as path from "node:path";
import { formatDiagnostic } from "../diagnostics/diagnostic.ts";
import { readPrograms, type FrontEndResult } from "../frontend/frontend.ts";
import { createProject, findTsConfig } from "../frontend/loadProject.ts";
import type { Program } from "../ir/ir.ts";

/** A fixture file's front-end result and its programs by name. */
export interface FixturePrograms {
  /** The fixture file (absolute). */
  readonly file: string;
  readonly front: FrontEndResult;
  /** The program bound as `name`; throws, listing the diagnostics, when there is none. */
  named(name: string): Program;
  /** The diagnostics, formatted (what a test expects to be empty). */
  diagnostics(): string[];
}

/**
 * Read the programs of `file` (absolute), type checking when `typeCheck` (a spoiler fixture reads without);
 * locations are printed relative to `rootDir` (default: the file's folder).
 */
export function readFixturePrograms(file: string, options: { readonly typeCheck: boolean; readonly rootDir?: string }): FixturePrograms {
  const project = createProject(findTsConfig(file));
  const front = readPrograms([project.addSourceFileAtPath(file)], { rootDir: options.rootDir ?? path.dirname(file), typeCheck: options.typeCheck });
  const programs = new Map(front.programs.map((program) => [program.name, program]));
  return {
    file,
    front,
    named(name) {
      const program = programs.get(name);
      if (program === undefined) throw new Error(`no program ${name} in ${path.basename(file)}: ${front.diagnostics.map(formatDiagnostic).join("\n") || "(no diagnostics)"}`);
      return program;
    },
    diagnostics: () => front.diagnostics.map(formatDiagnostic),
  };
}
