/**
 * meshtype's version, read from its package.json (found upward from this
 * file, so it works from the sources and from dist/). Loads nothing else:
 * the bin answers `--version` with it before it loads the compiler.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

/** The `version` of the package.json named "meshtype" at or above `from` (default: this file's folder). */
export function packageVersion(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const file = path.join(dir, "package.json");
    if (fs.existsSync(file)) {
      const json: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
      if (typeof json === "object" && json !== null && "name" in json && json.name === "meshtype" && "version" in json && typeof json.version === "string") {
        return json.version;
      }
    }
    if (path.dirname(dir) === dir) throw new Error(`meshtype: no package.json of meshtype above ${from}`);
  }
}
