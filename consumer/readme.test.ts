import { describe, expect, it } from "vitest";
import { readmeSteps } from "./readme.ts";

const readme = [
  "# x", "", "## Using meshtype in your project", "",
  "<!-- run -->", "```sh", "npm init -y", "npx tsc \\", "  --noEmit", "node a.js", "# one", "# ...", "# two", "```", "",
  "<!-- file: src/a.ts -->", "```ts", "const a = 1;", "```", "",
  "```ts", "not a step", "```", "",
  "## Next", "<!-- file: b.ts -->", "```ts", "outside", "```", "",
].join("\n");

describe("readmeSteps", () => {
  it("reads the marked blocks of the user section: files, and commands with the output they show", () => {
    expect(readmeSteps(readme)).toEqual([
      { kind: "run", commands: [{ command: "npm init -y", expected: [] }, { command: "npx tsc --noEmit", expected: [] }, { command: "node a.js", expected: ["one", "two"] }] },
      { kind: "file", path: "src/a.ts", text: "const a = 1;\n" },
    ]);
  });
});
