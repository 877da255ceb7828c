import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { compileFiles } from "../index.ts";
import type { Diagnostic } from "../diagnostics/diagnostic.ts";
import { useColor } from "./color.ts";
import { runCli, type CliRun } from "../testing/runCli.ts";
import { dedupeDiagnostics, diagnosticsJson, formatDiagnosticText } from "./printDiagnostics.ts";

const repo = path.resolve(import.meta.dirname, "../..");
const twice = "compiler/cli/__fixtures__/twice.ts";
const escape = "\u001b[";

/** Run the CLI in this process from `cwd` (default: the repository root). */
const run = (argv: readonly string[], env: Readonly<Record<string, string>> = {}, cwd = repo, isTTY = false): Promise<CliRun> =>
  runCli(argv, { env, cwd, isTTY });

describe("printing diagnostics", () => {
  it("prints one root cause once: the same error found for two programs", async () => {
    const found = compileFiles([path.join(repo, twice)], { typeCheck: false }).diagnostics;
    // the front end already gives a root cause read by two programs once (compiler/frontend/frontend.ts)
    expect(found.map((item) => item.code)).toEqual(["MT1020"]);
    const { code, err } = await run(["build", twice, "--no-typecheck"]);
    expect(code).toBe(1);
    expect(err.match(/MT1020/g)).toHaveLength(1);
  });

  it("shows the source line with the span underlined (TypeScript's code frame), then the hint", async () => {
    const { err } = await run(["build", twice, "--no-typecheck"]);
    expect(err).toBe(
      `${twice}:6:3 MT1020 A \`while\` loop is not supported in model code.\n\n` +
        "6   while (false) {}\n" +
        "    ~~~~~\n\n" +
        `  hint: ${err.split("  hint: ")[1] ?? "(no hint)"}`,
    );
  });

  it("writes paths relative to the current folder", async () => {
    const { err } = await run(["build", "cli/__fixtures__/twice.ts", "--no-typecheck"], {}, path.join(repo, "compiler"));
    expect(err.split(" ")[0]).toBe("cli/__fixtures__/twice.ts:6:3");
  });

  it("colours on a terminal, and never with NO_COLOR or --no-color", async () => {
    expect((await run(["build", twice, "--no-typecheck"], {}, repo, true)).err).toContain(escape);
    expect((await run(["build", twice, "--no-typecheck"], { NO_COLOR: "1" }, repo, true)).err).not.toContain(escape);
    expect((await run(["build", twice, "--no-typecheck", "--no-color"], {}, repo, true)).err).not.toContain(escape);
    expect((await run(["build", twice, "--no-typecheck"], { FORCE_COLOR: "1" })).err).toContain(escape);
    expect((await run(["build", twice, "--no-typecheck"])).err).not.toContain(escape);
  });

  it("--json prints the diagnostics on stdout as one object, paths relative to the project root wherever it runs", async () => {
    for (const [cwd, file] of [[repo, twice], [path.join(repo, "compiler/cli"), "__fixtures__/twice.ts"]] as const) {
      const { code, out, err } = await run(["build", file, "--json", "--no-typecheck"], {}, cwd);
      expect({ code, err }).toEqual({ code: 1, err: "" });
      expect(JSON.parse(out)).toEqual({
        version: 1,
        diagnostics: [{ code: "MT1020", severity: "error", message: "A `while` loop is not supported in model code.", hint: expect.any(String), loc: { file: twice, line: 6, column: 3 } }],
      });
    }
    const usage = await run(["explain", twice, "--json", "--jsn"]);
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.out)).toMatchObject({ version: 1, diagnostics: [{ code: "MT9004" }] });
  });
});

describe("printer parts", () => {
  const at = (line: number, column: number, message = "m"): Diagnostic => ({ code: "MT1020", message, hint: "h", loc: { file: twice, line, column } });

  it("dedupes by code, location and message only", () => {
    const list = [at(6, 3), at(6, 3), at(6, 4), at(6, 3, "other"), { code: "MT9006", message: "x", hint: "h" }, { code: "MT9006", message: "x", hint: "h" }];
    expect(dedupeDiagnostics(list)).toEqual([list[0], list[2], list[3], list[4]]);
  });

  it("prints a diagnostic without a readable file as header and hint", () => {
    const item: Diagnostic = { code: "MT1020", message: "m", hint: "h", loc: { file: "no/such.ts", line: 1, column: 1 } };
    expect(formatDiagnosticText(item, { color: false, rootDir: repo, cwd: repo })).toBe("no/such.ts:1:1 MT1020 m\n  hint: h\n");
    expect(formatDiagnosticText(at(999, 1), { color: false, rootDir: repo, cwd: repo })).toBe(`${twice}:999:1 MT1020 m\n  hint: h\n`);
  });

  it("diagnosticsJson keeps a path outside the project absolute", () => {
    const outside = { code: "MT1020", message: "m", hint: "h", loc: { file: "/elsewhere/x.ts", line: 1, column: 2 } };
    expect(diagnosticsJson([outside], repo, repo).diagnostics[0]?.loc?.file).toBe("/elsewhere/x.ts");
  });

  it("decides colour from the flag, then NO_COLOR, FORCE_COLOR, the terminal and TERM", () => {
    expect(useColor({ flag: true, env: { NO_COLOR: "1" }, isTTY: false })).toBe(true);
    expect(useColor({ flag: false, env: { FORCE_COLOR: "1" }, isTTY: true })).toBe(false);
    expect(useColor({ flag: undefined, env: { NO_COLOR: "" }, isTTY: true })).toBe(true);
    expect(useColor({ flag: undefined, env: { NO_COLOR: "1", FORCE_COLOR: "1" }, isTTY: true })).toBe(false);
    expect(useColor({ flag: undefined, env: { FORCE_COLOR: "0" }, isTTY: false })).toBe(false);
    expect(useColor({ flag: undefined, env: { TERM: "dumb" }, isTTY: true })).toBe(false);
  });
});
