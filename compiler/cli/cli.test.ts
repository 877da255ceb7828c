import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { torchRuntimeFiles } from "../backend/torch/index.ts";
import { cliMessages } from "../diagnostics/cliMessages.ts";
import { parseCommandLine } from "./args.ts";
import { defineCommand } from "./command.ts";
import type { ExplainJson } from "./explain.ts";
import { runCli, type CliRun } from "../testing/runCli.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../..");
const bin = path.join(repo, "bin/meshtype.mjs");
const mlp = path.relative(repo, path.join(repo, "compiler/frontend/__fixtures__/mlp.ts"));
const bad = path.relative(repo, path.join(here, "__fixtures__/bad.ts"));
const empty = path.relative(repo, path.join(here, "__fixtures__/empty.ts"));

/** Run the CLI in this process (from the repository root); its exit code and output. */
function runInProcess(argv: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<CliRun> {
  return runCli(argv, { cwd: repo, env });
}

/** Run the real bin; its exit code and output. */
function spawnBin(argv: readonly string[]): { code: number | null; out: string; err: string } {
  const result = spawnSync(process.execPath, [bin, ...argv], { cwd: repo, encoding: "utf8", timeout: 120_000 });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

describe("meshtype bin", () => {
  it("--help prints the usage and exits 0", () => {
    const result = spawnBin(["--help"]);
    expect(result.code).toBe(0);
    expect(result.out).toContain("meshtype build <file.ts>...");
    expect(result.out).toContain("meshtype explain <file.ts>...");
    expect(result.out).toContain("meshtype <command> --help");
  });

  it("--version prints the version of package.json", () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(repo, "package.json"), "utf8")) as { version: string };
    const result = spawnBin(["--version"]);
    expect(result).toMatchObject({ code: 0, out: `meshtype ${version}\n`, err: "" });
  });

  it("ends quietly (exit 0, nothing on stderr) when the reader of its output has gone, as in `meshtype simulate ... | head -1`", async () => {
    const child = spawn(process.execPath, [bin, "--help"], { cwd: repo, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.destroy(); // the reader closes before the first write: that write gets EPIPE
    let err = "";
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect({ code, err }).toEqual({ code: 0, err: "" });
  }, 120_000);

  it("exits 2 on bad usage, with a diagnostic", () => {
    const result = spawnBin(["compile", "x.ts"]);
    expect(result.code).toBe(2);
    expect(result.err).toContain("MT9001");
    expect(result.err).toContain("hint:");
  });

  it("exits 1 on an error in the sources, printed as file:line:col CODE message + hint", () => {
    const result = spawnBin(["build", bad, "--no-typecheck"]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(new RegExp(`^${bad.replace(/[.]/g, "\\.")}:6:3 MT1020 `));
    expect(result.err).toContain("\n  hint: ");
  });

  it("explain --json prints one object with programs, their ops and totals, and exits 0", () => {
    const result = spawnBin(["explain", mlp, "--json", "--no-typecheck"]);
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    const json = JSON.parse(result.out) as { programs: ExplainJson[] };
    expect(json.programs.map((program) => program.name)).toEqual(["mlp4"]);
    const [program] = json.programs;
    expect(program.mesh).toEqual([{ name: "data", size: 2 }, { name: "model", size: 2 }]);
    expect(program.layout).toBe("batch:data, d_ff:model");
    expect(program.ir.before).toContain("(global)");
    expect(program.ir.after).toContain("allReduce axis=model");
    const allReduce = program.ops.find((op) => op.collective === "allReduce");
    expect(allReduce).toMatchObject({ axis: "model", bytes: 4 * 4 * 4 * 16, loc: `${mlp}:12:21` });
    expect(program.totals.bytesByCollective).toEqual({ allReduce: 1024 });
  });
});

describe("meshtype CLI diagnostics (MT9xxx)", () => {
  const usage: readonly [string, readonly string[]][] = [
    ["MT9001", ["frobnicate"]],
    ["MT9002", ["build"]],
    ["MT9003", ["explain", "no/such/file.ts"]],
    ["MT9004", ["build", mlp, "--fast"]],
    ["MT9005", ["explain", mlp, "--program"]],
    ["MT9009", ["build", mlp, "--target", "jax"]],
    ["MT9501", ["explain", mlp, "--json=yes"]],
    ["MT9502", ["build", mlp, "-o", "a", "--out", "b"]],
  ];
  for (const [code, argv] of usage) {
    it(`${code}: meshtype ${argv.join(" ")} exits 2`, async () => {
      const result = await runInProcess(argv);
      expect(result.code).toBe(2);
      expect(result.err.split(" ")[0]).toBe(code);
    });
  }

  it("MT9006: explain --program with an unknown name exits 1 and lists the programs", async () => {
    const result = await runInProcess(["explain", mlp, "--program", "nope", "--no-typecheck"]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^MT9006 .*programs: mlp4/);
  });

  it("MT9007: a file without programs exits 1", async () => {
    const result = await runInProcess(["build", empty, "--no-typecheck"]);
    expect(result.code).toBe(1);
    expect(result.err.split(" ")[0]).toBe("MT9007");
  });

  it("MT9008: an --out that cannot be a folder exits 1; a good --out gets the module", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "meshtype-cli-"));
    const blocker = path.join(dir, "file");
    fs.writeFileSync(blocker, "");
    const blocked = await runInProcess(["build", mlp, "--out", path.join(blocker, "out"), "--no-typecheck"]);
    expect(blocked.code).toBe(1);
    expect(blocked.err.split(" ")[0]).toBe("MT9008");
    const built = await runInProcess(["build", mlp, "--out", dir, "--no-typecheck"]);
    expect(built).toMatchObject({ code: 0, err: "" });
    expect(built.out).toContain("(mlp4)");
    expect(fs.readFileSync(path.join(dir, "mlp.ts"), "utf8")).toContain("DO NOT EDIT");
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("MT9009 names the targets and suggests the closest; --target is an option of build only (MT9004 on explain)", async () => {
    expect((await runInProcess(["build", mlp, "--target", "tf"])).err).toMatch(/^MT9009 Unknown build target "tf" \(targets: ts, torch\)/);
    expect((await runInProcess(["build", mlp, "-t", "troch"])).err).toContain("Did you mean `--target torch`?");
    expect((await runInProcess(["explain", mlp, "--target", "torch"])).err.split(" ")[0]).toBe("MT9004");
  });

  it("build --target torch writes <name>_torch.py with every program, and the meshtype_torch runtime beside it", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "meshtype-cli-torch-"));
    try {
      const built = await runInProcess(["build", "examples/mlp/mlp.ts", "--target", "torch", "--out", dir, "--no-typecheck"]);
      expect(built).toMatchObject({ code: 0, err: "" });
      expect(built.out).toContain(`wrote ${path.join(dir, "mlp_torch.py")} (mlpData, mlpMegatron, mlp2d)`);
      const module = fs.readFileSync(path.join(dir, "mlp_torch.py"), "utf8");
      expect(module.split("\n")[0]).toBe("# DO NOT EDIT: generated by `meshtype build examples/mlp/mlp.ts --target torch` from examples/mlp/mlp.ts.");
      for (const name of ["mlpData", "mlpMegatron", "mlp2d"]) expect(module).toContain(`def ${name}(mesh: mt.MeshContext, x: torch.Tensor, params: dict):`);
      expect(module).toMatch(/mesh\.all_reduce\(.*"model", "sum"\)/);
      expect(module).toContain("mt.main(PROGRAMS)");
      for (const file of torchRuntimeFiles()) expect(fs.readFileSync(path.join(dir, file.path), "utf8"), file.path).toBe(file.text);
      expect(fs.existsSync(path.join(dir, "mlp.ts")), "no TypeScript module with --target torch").toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("MT9503: a command without operands refuses one", () => {
    const noOperands = defineCommand({ name: "status", summary: "s", operands: "none", options: {}, run: () => [] });
    expect(() => parseCommandLine(["status", "x.ts"], [noOperands])).toThrow(/MT9503 `meshtype status` takes no files/);
    expect(parseCommandLine(["status"], [noOperands])).toMatchObject({ kind: "run", files: [] });
  });

  it("has a test for every CLI code (in the command line's test files)", () => {
    const source = fs.readdirSync(here).filter((file) => file.endsWith(".test.ts")).map((file) => fs.readFileSync(path.join(here, file), "utf8")).join("\n");
    const missing = Object.values(cliMessages).map((template) => template.code).filter((code) => !source.includes(code));
    expect(missing).toEqual([]);
  });
});
