/**
 * The repository stands alone: no file of it points to design notes or
 * folders outside it (the architecture a user needs is docs/architecture.md).
 * Tracked files are read with git grep; outside a git checkout (an unpacked
 * archive), every file but node_modules, dist and build outputs.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const self = "examples/standsAlone.test.ts";
const outside = ["DESIGN", "PLANNER"].map((name) => `${name}\\.md`).concat(["\\.\\./shared", "shared/docs"]).join("|");

/** `file:line:text` of every line that names something outside the repository. */
function references(): string[] {
  try {
    const found = execFileSync("git", ["grep", "-n", "-E", outside, "--", ".", `:!${self}`], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    return found.split("\n").filter((line) => line !== "");
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === 1) return []; // git grep found nothing
    if (status !== 128) throw error; // 128: not a git checkout
  }
  const pattern = new RegExp(outside);
  const skipped = new Set(["node_modules", "dist", ".git", ".bench-tmp"]);
  const lines: string[] = [];
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (!skipped.has(entry.name)) walk(path);
      } else if (entry.isFile() && relative(root, path) !== self && !/\.(pyc|png|svg|npy)$/.test(entry.name)) {
        readFileSync(path, "utf8").split("\n").forEach((text, index) => {
          if (pattern.test(text)) lines.push(`${relative(root, path)}:${index + 1}:${text}`);
        });
      }
    }
  };
  walk(root);
  return lines;
}

test("no file refers to DESIGN.md, PLANNER.md or a shared folder outside the repository", () => {
  expect(references()).toEqual([]);
});
