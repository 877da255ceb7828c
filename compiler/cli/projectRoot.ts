/**
 * The project root of some files: the nearest folder at or above the first
 * file that holds a package.json, else one that holds a tsconfig.json, else
 * the current folder. `explain --json` and JSON diagnostics write paths
 * relative to it, so they do not depend on where the command was run.
 */
import * as fs from "node:fs";
import * as path from "node:path";

function nearestWith(start: string, marker: string): string | undefined {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, marker))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** The project root of `files` (absolute). */
export function projectRoot(files: readonly string[], cwd: string = process.cwd()): string {
  const first = files[0];
  if (first === undefined) return cwd;
  const start = path.dirname(path.resolve(cwd, first));
  return nearestWith(start, "package.json") ?? nearestWith(start, "tsconfig.json") ?? cwd;
}
