/**
 * Golden files: a test compares text to a file under a `__golden__` folder
 * beside it. Run with `UPDATE_GOLDEN=1` to write the files instead (then read
 * the diff before committing it).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** True when the goldens are being rewritten (`UPDATE_GOLDEN=1`). */
export const updatingGoldens = process.env.UPDATE_GOLDEN === "1";

/**
 * The golden text of `file` (a path under `directory`/__golden__), or, when
 * updating, `actual` after writing it. Throws with the fix when the file is missing.
 */
export function readGolden(directory: string, file: string, actual: string): string {
  const path = join(directory, "__golden__", file);
  if (updatingGoldens) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return actual;
  }
  if (!existsSync(path)) throw new Error(`golden file ${path} is missing: run the tests with UPDATE_GOLDEN=1 to create it`);
  return readFileSync(path, "utf8");
}
