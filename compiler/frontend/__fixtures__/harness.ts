/**
 * Test harness for the front end: one ts-morph project per test file (the
 * repository's tsconfig), into which every fixture source is added before the
 * first one is read, so the type checker is built once. A fixture may mark
 * the place where a diagnostic is expected with `/*@*\/` (removed before reading).
 */
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { Project, SourceFile } from "ts-morph";
import type { Diagnostic } from "../../diagnostics/diagnostic.ts";
import type { Program } from "../../ir/ir.ts";
import type { Args } from "../../testing/harness.ts";
import type { TensorTree } from "../../testing/interpret.ts";
import { readPrograms, type FrontEndResult } from "../frontend.ts";
import { createProject, findTsConfig } from "../loadProject.ts";

/** This folder: fixture files live here, and locations are printed relative to it. */
export const fixturesDir = path.dirname(fileURLToPath(import.meta.url));

const marker = "/*@*/";

/** A fixture source added to the project, with the marked position if any. */
export interface Fixture {
  readonly file: SourceFile;
  /** 1-based line and column of the marker. */
  readonly expected?: { readonly line: number; readonly column: number };
}

/** A project holding fixtures (sources given as text, or files under __fixtures__). */
export class FixtureProject {
  readonly project: Project = createProject(findTsConfig(path.join(fixturesDir, "x.ts")));
  private count = 0;

  /** Add a fixture from text; `name` is a file name under __fixtures__ (made unique). */
  addText(name: string, text: string): Fixture {
    const at = text.indexOf(marker);
    const clean = text.replace(marker, "");
    const fileName = path.join(fixturesDir, `virtual_${this.count++}_${name}.ts`);
    const file = this.project.createSourceFile(fileName, clean, { overwrite: true });
    if (at < 0) return { file };
    const before = clean.slice(0, at).split("\n");
    return { file, expected: { line: before.length, column: before[before.length - 1].length + 1 } };
  }

  /** Add a fixture file that exists under __fixtures__. */
  addFile(name: string): Fixture {
    return { file: this.project.addSourceFileAtPath(path.join(fixturesDir, name)) };
  }

  /** Read the programs of a fixture (type checking only when asked: most spoilers do not type-check on purpose). */
  read(fixture: Fixture, typeCheck = false): FrontEndResult {
    return readPrograms([fixture.file], { rootDir: fixturesDir, typeCheck });
  }
}

/** `file:line:col CODE` of a diagnostic, for compact assertions. */
export function where(item: Diagnostic): string {
  return item.loc ? `${item.loc.file}:${item.loc.line}:${item.loc.column} ${item.code}` : item.code;
}

/** A fixture file's programs (read without type checking, in a project of their own), with lookups for tests. */
export interface FixturePrograms {
  readonly front: FrontEndResult;
  /** The project the file was read in (other sources may be added to it). */
  readonly project: Project;
  /** The program bound as `name`; throws when the file binds none of that name. */
  readonly programOf: (name: string) => Program;
}

/** Read the fixture file `name` under __fixtures__. */
export function readFixturePrograms(name: string): FixturePrograms {
  const file = path.join(fixturesDir, name);
  const project = createProject(findTsConfig(file));
  const front = readPrograms([project.addSourceFileAtPath(file)], { rootDir: path.dirname(fixturesDir), typeCheck: false });
  const programOf = (program: string): Program => {
    const found = front.programs.find((entry) => entry.name === program);
    if (!found) throw new Error(`no program ${program} in ${name}`);
    return found;
  };
  return { front, project, programOf };
}

/** The tree of the argument named `name`. */
export function argOf(args: Args, name: string): TensorTree {
  const found = args.find((entry) => entry.name === name);
  if (!found) throw new Error(`no argument ${name}`);
  return found.tree;
}
