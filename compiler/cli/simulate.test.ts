/**
 * `meshtype simulate` and `meshtype profile` end to end: the report, its
 * JSON, the Chrome trace and SVG files, the usage errors, and a profile
 * measured with torch on the CPU that the simulation then uses.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { ChromeTrace } from "../simulate/trace.ts";
import { runCli, type CliRun } from "../testing/runCli.ts";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const mlp = "examples/mlp/mlp.ts";
const work = fs.mkdtempSync(path.join(os.tmpdir(), "meshtype-simulate-"));

const run = (argv: readonly string[]): Promise<CliRun> => runCli(argv, { cwd: repo });

describe("meshtype simulate", () => {
  it("prints the step, the mesh's mapping, memory and the top kernels and collectives", async () => {
    const result = await run(["simulate", mlp, "--program", "mlp2d", "--cluster", "h100", "--dtype", "bf16", "--no-typecheck"]);
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    expect(result.out).toContain('program mlp2d  mesh [data=2 model=2]  layout "batch:data, d_ff:model"  dtype bf16');
    expect(result.out).toContain("mesh [data=2 model=2] on 1 node of DGX H100 (8 x H100-SXM5-80GB): 4 devices, ranked row-major (last axis innermost)");
    expect(result.out).toContain("  model: inside a node (2 devices over NVLink 4 / NVSwitch)");
    expect(result.out).toMatch(/Step time [\d.]+ us on every device/);
    expect(result.out).toMatch(/MFU [\d.]+% of 989\.0 TFLOP\/s/);
    expect(result.out).toContain("Top collectives by time (all runs):");
    expect(result.out).toMatch(/allReduce axis=model reduce=sum\s+stdlib\/dense\.ts:\d+:\d+/);
  });

  it("simulates every program of every example", async () => {
    const examples = fs.readdirSync(path.join(repo, "examples"), { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts") && !/(^|\/)(inputs|runSteps)\.ts$/.test(file) && !file.includes("generated"))
      .map((file) => path.join("examples", file));
    expect(examples.length).toBeGreaterThanOrEqual(8);
    const result = await run(["simulate", ...examples, "--no-typecheck"]);
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    expect(result.out.match(/^program \w+ {2}mesh/gm)?.length).toBeGreaterThanOrEqual(27);
    expect(result.out.match(/^Step time /gm)?.length).toBe(result.out.match(/^program /gm)?.length);
  });

  it("--json gives every kernel and collective with its source, local shape, FLOPs, bytes and time", async () => {
    const result = await run(["simulate", mlp, "--program", "mlpMegatron", "--json", "--no-typecheck"]);
    expect(result.code).toBe(0);
    const [program] = JSON.parse(result.out).programs;
    expect(program.mapping[0]).toContain("4 devices");
    const einsum = program.entries.find((entry: { op: string }) => entry.op === "einsum");
    expect(einsum).toMatchObject({ kind: "kernel", source: expect.stringMatching(/^stdlib\/dense\.ts:\d+:\d+$/), localShape: expect.stringMatching(/^\[/) });
    expect(einsum.flops).toBeGreaterThan(0);
    expect(einsum.bytes).toBeGreaterThan(0);
    const collective = program.entries.find((entry: { kind: string }) => entry.kind === "collective");
    expect(collective.collective).toMatchObject({ kind: "allReduce", axis: "model", groupSize: 4 });
    const total = program.entries.reduce((sum: number, entry: { seconds: number }) => sum + entry.seconds, 0);
    expect(program.summary.stepSeconds).toBeLessThanOrEqual(total + 1e-12);
  });

  it("--trace writes a Chrome trace Perfetto opens: named threads, complete events in order on each", async () => {
    const trace = path.join(work, "trace.json");
    const svg = path.join(work, "timeline.svg");
    const result = await run(["simulate", "examples/gpt/gpt.ts", "--program", "gpt2d", "--trace", trace, "--svg", svg, "--no-typecheck"]);
    expect(result.code).toBe(0);
    const parsed = JSON.parse(fs.readFileSync(trace, "utf8")) as ChromeTrace;
    expect(parsed.displayTimeUnit).toBe("ms");
    const threads = parsed.traceEvents.filter((event) => event.ph === "M" && event.name === "thread_name").map((event) => [event.tid, event.args?.name]);
    expect(threads).toEqual([[0, "compute"], [1, "communication"]]);
    const complete = parsed.traceEvents.filter((event) => event.ph === "X");
    expect(complete.length).toBeGreaterThan(50);
    for (const tid of [0, 1]) {
      const events = complete.filter((event) => event.tid === tid);
      expect(events.length).toBeGreaterThan(0);
      events.forEach((event, index) => {
        expect(event.name).toMatch(/^\w+ [\w/.]+\.ts:\d+:\d+$/);
        expect(event.ts).toBeGreaterThanOrEqual(0);
        expect(event.dur).toBeGreaterThanOrEqual(0);
        if (index > 0) expect(event.ts as number).toBeGreaterThanOrEqual((events[index - 1].ts as number) + (events[index - 1].dur as number) - 1e-6);
      });
    }
    const picture = fs.readFileSync(svg, "utf8");
    expect(picture).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(picture).toContain(">compute</text>");
    expect(picture).toContain(">all-reduce</text>");
    expect(picture.match(/<rect /g)?.length).toBeGreaterThan(10);
    expect(picture.trimEnd().endsWith("</svg>")).toBe(true);
  });

  it("names an unknown cluster (MT9101, exit 2), a bad number (MT9103) and a bad cluster file (MT9102, exit 1)", async () => {
    expect(await run(["simulate", mlp, "--cluster", "tpu", "--no-typecheck"])).toMatchObject({ code: 2, err: expect.stringContaining('MT9101 "tpu" is neither a cluster preset (v100, a100, h100, h200)') });
    expect(await run(["simulate", mlp, "--nodes", "two", "--no-typecheck"])).toMatchObject({ code: 2, err: expect.stringContaining("MT9103") });
    const file = path.join(work, "bad-cluster.json");
    fs.writeFileSync(file, JSON.stringify({ preset: "a100", interNode: { efficiency: -1 } }));
    expect(await run(["simulate", mlp, "--cluster", file, "--no-typecheck"])).toMatchObject({ code: 1, err: expect.stringContaining("interNode.efficiency must be a positive number") });
  });
});

describe("meshtype profile (torch on the CPU)", () => {
  it("measures every distinct op, and simulate takes the measured times for them", async () => {
    const db = path.join(work, "profile.json");
    const profiled = await run(["profile", mlp, "--program", "mlpMegatron", "--out", db, "--runs", "3", "--no-typecheck"]);
    expect(profiled.err).toMatch(/profile: \d+ distinct ops of mlpMegatron on cpu in fp32/);
    expect(profiled.code).toBe(0);
    const entries = JSON.parse(fs.readFileSync(db, "utf8")).entries as { device: string; key: string; seconds: number }[];
    expect(entries.length).toBeGreaterThan(2);
    expect(entries.every((entry) => entry.device === "cpu" && entry.seconds > 0)).toBe(true);
    const clusterFile = path.join(work, "cpu-cluster.json");
    fs.writeFileSync(clusterFile, JSON.stringify({ preset: "a100", device: { name: "cpu" } }));
    const result = await run(["simulate", mlp, "--program", "mlpMegatron", "--cluster", clusterFile, "--profile", db, "--json", "--no-typecheck"]);
    expect(result.code).toBe(0);
    const [program] = JSON.parse(result.out).programs;
    const kernels = program.entries.filter((entry: { kind: string }) => entry.kind === "kernel");
    expect(kernels.length).toBe(entries.length);
    const measured = new Map(entries.map((entry) => [entry.key.split(" ")[0], entry.seconds]));
    for (const kernel of kernels) {
      expect(kernel.profiled).toBe(true);
      expect(measured.has(kernel.op.split(" ")[0])).toBe(true);
    }
    expect(kernels.map((kernel: { secondsPerRun: number }) => kernel.secondsPerRun).sort()).toEqual(entries.map((entry) => entry.seconds).sort());
    // On a cluster of another device the profile does not apply, and the report says so.
    const other = await run(["simulate", mlp, "--program", "mlpMegatron", "--profile", db, "--no-typecheck"]);
    expect(other.out).toContain('MT5103 The profile database has no entries for device "A100-SXM4-80GB" in fp32 (it has: cpu (fp32))');
  });
});
