/**
 * examples/cnn end to end: eager runs, then every program through the front
 * end and the compiler, run on a simulated mesh (interpreted, and as the
 * emitted TypeScript module) equal to eager, with the halo bytes of
 * docs/communication.md (CNN section).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { emitModule } from "../../compiler/backend/ts/emitModule.ts";
import type { ProgramMeta } from "../../compiler/backend/ts/meta.ts";
import { readPrograms } from "../../compiler/frontend/frontend.ts";
import { loadProjects } from "../../compiler/frontend/loadProject.ts";
import type { Program } from "../../compiler/ir/ir.ts";
import { compileProgram } from "../../compiler/passes/pipeline.ts";
import { makeInputs, maxDifference, runEager, runLowered, runOnMesh, type DeviceFunction } from "../../compiler/testing/harness.ts";
import type { CommStats } from "../../dsl/runtime/stats.ts";
import { expectFinite } from "../../stdlib/expectTensor.ts";
import { cnn2d, cnnData, cnnModel, cnnSpatial, D } from "./cnn.ts";
import { makeCnnInputs } from "./inputs.ts";

const BYTES = 4;
const names = ["cnnData", "cnnSpatial", "cnn2d"];
const programs = new Map<string, Program>();
const lowered = new Map<string, Program>();

beforeAll(() => {
  for (const loaded of loadProjects([fileURLToPath(new URL("cnn.ts", import.meta.url))])) {
    const result = readPrograms(loaded.files);
    expect(result.diagnostics).toEqual([]);
    for (const program of result.programs) programs.set(program.name, program);
  }
  for (const name of names) lowered.set(name, compileProgram(programs.get(name) as Program));
}, 180_000);

describe("examples/cnn eager", () => {
  const { x, params } = makeCnnInputs(0);
  const reference = cnnModel(x, params);
  test.each([["cnnData", cnnData], ["cnnSpatial", cnnSpatial], ["cnn2d", cnn2d]])("%s runs eagerly: finite logits [batch classes], same as the model", (_name, run) => {
    const logits = run(x, params);
    expect(logits.dims).toEqual([{ name: "batch", size: 4 }, { name: "classes", size: 3 }]);
    expectFinite(logits);
    expect(Array.from(logits.data)).toEqual(Array.from(reference.data));
  });
});

/** Run `name` lowered and eagerly on the same seeded inputs; return the lowered run's counters. */
async function lowerAndRun(name: string): Promise<CommStats> {
  const program = programs.get(name) as Program;
  const args = makeInputs(program, 1);
  const { result, stats } = await runLowered(lowered.get(name) as Program, args);
  expect(maxDifference(result, await runEager(program, args))).toBeLessThan(1e-4);
  return stats;
}

/** The collectives that moved bytes, as `kind axis: calls / payload / wire`. */
function moved(stats: CommStats): string[] {
  return stats.entries().filter((entry) => entry.payloadBytes > 0).map((entry) => `${entry.kind} ${entry.axis}: ${entry.calls} / ${entry.payloadBytes} / ${entry.wireBytes}`);
}

/**
 * The halo exchanges of both convs with `height` split over `n` devices on a
 * mesh of `devices` (batch over devices / n): one row (3x3 windows) of
 * (batch per device) x width x channels each way, for the channels into each conv.
 */
function halos(n: number, devices: number): string {
  const { batch, width, c_in, c_hidden } = D.sizes;
  const rowBytes = BYTES * (batch / (devices / n)) * width * (c_in + c_hidden);
  const payload = devices * 2 * rowBytes;
  const wire = (devices / n) * 2 * (n - 1) * rowBytes;
  return `collectivePermute space: ${devices * 2 * 2} / ${payload} / ${wire}`;
}

describe("examples/cnn lowered", () => {
  const { batch, classes } = D.sizes;
  test("cnnData communicates nothing", async () => {
    expect(moved(await lowerAndRun("cnnData"))).toEqual([]);
  });
  test("cnnSpatial: a one-row halo exchange before each conv over space=4, and one all-reduce of batch x classes", async () => {
    const allReduce = BYTES * batch * classes;
    expect(moved(await lowerAndRun("cnnSpatial"))).toEqual([halos(4, 4), `allReduce space: 4 / ${4 * allReduce} / ${4 * 2 * (3 / 4) * allReduce}`]);
  });
  test("cnn2d: the same halos on a batch shard over space=2, on 4 devices", async () => {
    const allReduce = BYTES * (batch / 2) * classes;
    expect(moved(await lowerAndRun("cnn2d"))).toEqual([halos(2, 4), `allReduce space: 4 / ${4 * allReduce} / ${4 * allReduce}`]);
  });
});

describe("examples/cnn emitted module", () => {
  const repo = resolve(import.meta.dirname, "../..");
  const scratchRoot = join(repo, "compiler/backend/ts/generated");
  mkdirSync(scratchRoot, { recursive: true });
  const scratch = mkdtempSync(join(scratchRoot, "cnn-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  test("runs on the simulated mesh and equals eager", async () => {
    const text = emitModule(names.map((name) => lowered.get(name) as Program), { sourceFile: "examples/cnn/cnn.ts", dslModule: join(repo, "dsl/index.ts") });
    expect(text).toContain('await ctx.collectivePermute(slice(x, "height", 1, 2), "space", 1)');
    expect(text).toMatch(/conv2d\(\w+, \w+, \{ height: "height", .*padding: \{ height: "valid", width: "same" \} \}\)/);
    const file = join(scratch, "cnn.run.ts");
    writeFileSync(file, text);
    const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    for (const name of names) {
      const program = programs.get(name) as Program;
      const args = makeInputs(program, 2);
      const { result } = await runOnMesh(module[name] as DeviceFunction, module[`${name}Meta`] as ProgramMeta, args);
      expect(maxDifference(result, await runEager(program, args)), name).toBeLessThan(1e-4);
    }
  });

  test("type-checks with tsc", () => {
    const text = emitModule(names.map((name) => lowered.get(name) as Program), { sourceFile: "examples/cnn/cnn.ts" });
    writeFileSync(join(scratch, "cnn.generated.ts"), text);
    writeFileSync(join(scratch, "tsconfig.json"), JSON.stringify({ extends: join(repo, "tsconfig.json"), compilerOptions: { types: ["node"] }, files: ["cnn.generated.ts"] }));
    let output = "";
    try {
      execFileSync(process.execPath, [join(repo, "node_modules/typescript/bin/tsc"), "--noEmit", "-p", join(scratch, "tsconfig.json")], { cwd: repo, encoding: "utf8" });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    expect(output).toBe("");
  }, 120_000);
});
