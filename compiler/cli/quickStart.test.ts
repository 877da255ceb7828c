/**
 * The README's quick start for a clone ("Working on meshtype itself") must work
 * as written after `npm ci`: every `node bin/meshtype.mjs ...` line of its
 * first `sh` block runs from the repository root and exits 0. (`npx meshtype`
 * does not work there: npm links a package's own bin only into the projects
 * that install it.)
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const repo = path.resolve(import.meta.dirname, "../..");

/** The commands of the first `sh` block after the "Working on meshtype itself" heading, comments dropped. */
function quickStartCommands(readme: string): string[] {
  const start = readme.indexOf("\n## Working on meshtype itself\n");
  if (start < 0) throw new Error('README.md has no "## Working on meshtype itself" section');
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(start))?.[1] ?? "";
  return block.split("\n").map((line) => line.replace(/\s+#.*$/, "").trim()).filter((line) => line !== "");
}

describe("the README's quick start in a clone", () => {
  const commands = quickStartCommands(fs.readFileSync(path.join(repo, "README.md"), "utf8"));

  it("is npm ci, meshtype commands run through the repository's bin, then npm test", () => {
    expect(commands[0]).toBe("npm ci");
    expect(commands.at(-1)).toBe("npm test");
    const meshtype = commands.slice(1, -1);
    expect(meshtype.length).toBeGreaterThan(0);
    for (const command of meshtype) expect(command).toMatch(/^node bin\/meshtype\.mjs \w+/);
  });

  it("runs every meshtype command of it with exit code 0", () => {
    for (const command of commands.filter((line) => line.startsWith("node bin/meshtype.mjs "))) {
      const argv = command.split(/\s+/).slice(1);
      const result = spawnSync(process.execPath, argv, { cwd: repo, encoding: "utf8", timeout: 120_000 });
      expect({ command, code: result.status, err: result.stderr }).toEqual({ command, code: 0, err: "" });
    }
  }, 240_000);
});
