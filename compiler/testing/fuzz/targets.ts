/**
 * What the fuzz test mutates: the example models and the stdlib layers, each
 * with the example file the build is given for it (the model itself, or the
 * cheapest example with ops written in that layer), loaded once into one ts-morph
 * project whose files the test then edits in place.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Project, SourceFile } from "ts-morph";
import { createProject, findTsConfig } from "../../frontend/loadProject.ts";

import { readPrograms } from "../../frontend/frontend.ts";
import { walkOps } from "../../ir/opAttrs.ts";

/** The repository root. */
export const repo = path.resolve(import.meta.dirname, "../../..");

/** A file to mutate and the file to build. */
export interface FuzzTarget {
  /** Repo-relative, forward slashes. */
  readonly file: string;
  readonly entry: string;
}

/** The example files that bind programs, cheapest to build first (a layer's entry is the first that reaches it). */
function exampleFiles(): string[] {
  const found: string[] = [];
  for (const folder of fs.readdirSync(path.join(repo, "examples")).sort()) {
    const dir = path.join(repo, "examples", folder);
    if (!fs.statSync(dir).isDirectory()) continue;
    for (const name of fs.readdirSync(dir).sort()) {
      if (!name.endsWith(".ts") || name.endsWith(".test.ts")) continue;
      const text = fs.readFileSync(path.join(dir, name), "utf8");
      if (/\bprogram\(/.test(text)) found.push(`examples/${folder}/${name}`);
    }
  }
  const cost = (file: string): number => (file.includes("/train/") ? 2 : 0) + (file.includes("gpt") || file.includes("moe") ? 1 : 0);
  return found.sort((a, b) => cost(a) - cost(b) || a.localeCompare(b));
}

/** Every file an op of the entry's programs is written in (directly, or through the stdlib layers it calls). */
function filesWithOps(entry: SourceFile): Set<string> {
  const files = new Set<string>();
  const { programs } = readPrograms([entry], { rootDir: repo, typeCheck: false });
  for (const program of programs) {
    for (const op of walkOps(program.body)) files.add(op.loc.file);
  }
  return files;
}

/** The project with every example loaded, and every target (examples, then the stdlib files some example reaches). */
export function loadTargets(): { project: Project; targets: FuzzTarget[] } {
  const examples = exampleFiles();
  const project = createProject(findTsConfig(path.join(repo, examples[0] ?? "examples/mlp/mlp.ts")));
  const sources = examples.map((file) => project.addSourceFileAtPath(path.join(repo, file)));
  const used = examples.map((file, index) => ({ file, files: filesWithOps(sources[index] as SourceFile) }));
  const targets: FuzzTarget[] = examples.map((file) => ({ file, entry: file }));
  const stdlib = new Set(used.flatMap((entry) => [...entry.files].filter((file) => file.startsWith("stdlib/"))));
  for (const file of [...stdlib].sort()) {
    const entry = used.find((candidate) => candidate.files.has(file));
    if (entry) targets.push({ file, entry: entry.file });
  }
  return { project, targets };
}
