import { cpSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { compileFiles } from "../index.ts";
import { makeInputs, maxDifference, runEager, runLowered } from "../testing/harness.ts";
import { runCli, type CliRun } from "../testing/runCli.ts";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const work = path.join(repo, ".bench-tmp", `planCli-${process.pid}`);
mkdirSync(work, { recursive: true });
cpSync(path.join(repo, "examples", "mlp"), path.join(work, "mlp"), { recursive: true });
const mlp = path.join(work, "mlp", "mlp.ts");
afterAll(() => rmSync(work, { recursive: true, force: true }));

const run = (argv: readonly string[]): Promise<CliRun> => runCli(argv);

describe("meshtype plan", () => {
  it("prints the ranked plans with the user's binding among them, a progress line per candidate, and the search time", async () => {
    const result = await run(["plan", path.join(repo, "examples", "mlp", "mlp.ts"), "-p", "mlp2d", "--cluster", "h100", "--devices", "8"]);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^plan mlp2d on DGX H100 .*: 8 devices, 80\.0 GB per device/);
    expect(result.out).toMatch(/rank +mesh +layout +update +step time +MFU +peak memory +allReduce/);
    expect(result.out).toMatch(/\(yours\) +data=2 model=2 +batch:data, d_ff:model/);
    expect(result.out).toMatch(/searched 4 plans in \d+\.\d s \(HiGHS \d+\.\d s\)/);
    expect(result.err.split("\n").filter((line) => line.startsWith("plan mlp2d: ")).length).toBe(5);
  }, 120_000);

  it("--json gives the rows, the best plan and the ILP's size and solve time", async () => {
    const result = await run(["plan", path.join(repo, "examples", "mlp", "mlp.ts"), "-p", "mlpMegatron", "--json"]);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.out);
    expect(json.program).toBe("mlpMegatron");
    expect(json.rows.filter((row: { kind: string }) => row.kind === "yours")).toHaveLength(1);
    const plan = json.rows.find((row: { kind: string }) => row.kind === "plan");
    expect(plan.ilp.binaries).toBeGreaterThan(0);
    expect(plan.ilp.solveSeconds).toBeGreaterThanOrEqual(0);
  }, 120_000);

  it("--write rewrites the binding with the best plan; the file type-checks, the next build gives the planned program, it equals eager, and a second --write changes nothing", async () => {
    const result = await run(["plan", mlp, "-p", "mlpMegatron", "--devices", "8", "--json", "--write"]);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.out);
    const best = json.rows[0];
    expect(best.kind).toBe("plan");
    expect(json.written).toBe(mlp);
    expect(readFileSync(mlp, "utf8")).toMatch(/\/\/ meshtype plan \(DGX A100 .*, 8 devices\): .* per step, .* per device\nconst mlpMegatronMesh = mesh\(/);
    const rebuilt = compileFiles([mlp], { typeCheck: true });
    expect(rebuilt.diagnostics).toEqual([]);
    const program = rebuilt.files[0].programs.find((entry) => entry.name === "mlpMegatron");
    expect(program?.lowered.mesh).toEqual(best.mesh);
    expect(program?.lowered.layoutSpec).toBe(best.layout);
    expect(program?.lowered.weightUpdateSharding).toBe(best.weightUpdateSharding);
    if (program === undefined) return;
    const args = makeInputs(program.global, 7);
    const sharded = await runLowered(program.lowered, args);
    expect(maxDifference(sharded.result, await runEager(program.global, args))).toBeLessThan(1e-4);
    // the rewritten binding is now the plan: planning it again finds nothing better and leaves the file as it is
    const written = readFileSync(mlp, "utf8");
    const again = await run(["plan", mlp, "-p", "mlpMegatron", "--devices", "8", "--write"]);
    expect(again.code).toBe(0);
    expect(again.out).toContain("your binding mlpMegatron is the fastest found: nothing written");
    expect(readFileSync(mlp, "utf8")).toBe(written);
  }, 120_000);

  it("MT9201 when the file binds several programs and none is named; MT9205 for a bad --memory", async () => {
    const several = await run(["plan", path.join(repo, "examples", "mlp", "mlp.ts")]);
    expect(several.code).toBe(2);
    expect(several.err).toContain("MT9201");
    const memory = await run(["plan", path.join(repo, "examples", "mlp", "mlp.ts"), "-p", "mlpData", "--memory", "lots"]);
    expect(memory.code).toBe(2);
    expect(memory.err).toContain("MT9205");
  }, 120_000);
});
