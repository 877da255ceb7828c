/**
 * The repository stands alone: no tracked file points to design notes or
 * folders outside it (the architecture a user needs is docs/architecture.md).
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

test("no tracked file refers to DESIGN.md, PLANNER.md or a shared folder outside the repository", () => {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const outside = ["DESIGN", "PLANNER"].map((name) => `${name}\\.md`).concat(["\\.\\./shared", "shared/docs"]).join("|");
  let found = "";
  try {
    found = execFileSync("git", ["grep", "-n", "-E", outside, "--", ".", ":!examples/standsAlone.test.ts"], { cwd: root, encoding: "utf8" });
  } catch (error) {
    // git grep exits 1 when nothing matches
    if ((error as { status?: number }).status !== 1) throw error;
  }
  expect(found).toBe("");
});
