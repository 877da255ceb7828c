import { cpSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { runCli, type CliRun } from "../testing/runCli.ts";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const work = path.join(repo, ".bench-tmp", `planPipelineCli-${process.pid}`);
mkdirSync(work, { recursive: true });
const fixture = path.join(work, "pipelineMlp.ts");
cpSync(path.join(repo, "compiler", "plan", "__fixtures__", "pipelineMlp.ts"), fixture);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const run = (argv: readonly string[]): Promise<CliRun> => runCli(argv);

describe("meshtype plan with pipelines", () => {
  it("ranks pipelined plans with the intra-op ones on 4 A100 nodes and --write writes the mesh with the pipe axis and the pipeline option", async () => {
    const result = await run(["plan", fixture, "-p", "deepMlp", "--cluster", "a100", "--nodes", "4", "--stages", "4", "--microbatches", "16,32", "--json", "--write"]);
    expect(result.err).toMatch(/^pipeline: 1\/3 \[pipe=4 /m);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.out);
    const piped = json.rows.filter((row: { pipeline?: unknown }) => row.pipeline !== undefined);
    expect(piped.length).toBeGreaterThan(0);
    expect(json.rows.some((row: { kind: string; pipeline?: unknown }) => row.kind === "plan" && row.pipeline === undefined)).toBe(true);
    expect(json.pipelineSearch.candidates).toBe(3);
    const best = json.best;
    // under the a100 preset's InfiniBand, the pipeline over the 4 nodes beats every intra-op plan
    expect(best.pipeline?.axis).toBe("pipe");
    expect(best.mesh[0]).toEqual({ name: "pipe", size: 4 });
    expect(json.why.some((line: string) => line.includes("it pipelines the 8 layers over pipe=4"))).toBe(true);
    const text = readFileSync(fixture, "utf8");
    const meshText = best.mesh.map((axis: { name: string; size: number }) => `${axis.name}: ${axis.size}`).join(", ");
    expect(text).toContain(`const deepMlpMesh = mesh({ ${meshText} });`);
    expect(text).toContain(`pipeline: { axis: "pipe", microbatches: ${best.pipeline.microbatches}, schedule: "1f1b" } });`);
  }, 1_200_000);

  it("--no-pipeline searches intra-op plans only; a program without a layer loop says why it is not pipelined", async () => {
    const mlp = path.join(repo, "examples", "mlp", "mlp.ts");
    const result = await run(["plan", mlp, "-p", "mlp2d", "--cluster", "h100", "--devices", "8"]);
    expect(result.code).toBe(0);
    expect(result.out).toContain("not pipelined: it has no layer loop of 2 or more iterations to cut into stages");
    expect(result.out).not.toMatch(/ pipeline /);
    const off = await run(["plan", mlp, "-p", "mlp2d", "--cluster", "h100", "--devices", "8", "--no-pipeline"]);
    expect(off.out).not.toContain("not pipelined");
    const bad = await run(["plan", mlp, "-p", "mlp2d", "--stages", "two"]);
    expect(bad.code).toBe(2);
  }, 300_000);
});
