/**
 * The generated Python, run for real: every program below is emitted into one
 * module and launched with `python -m torch.distributed.run` as 4 gloo
 * processes on 127.0.0.1; each rank's local result must be its shard of the
 * eager TypeScript result. Needs /usr/bin/python3 with torch (see torchEnv.ts).
 */
import { beforeAll, expect, test } from "vitest";
import { walkOps } from "../../ir/opAttrs.ts";
import { compareRanks } from "../../testing/torch/compareRanks.ts";
import { runTorchPrograms, type TorchRun } from "../../testing/torch/runTorch.ts";
import { examplePlans, fixturePlans, haloPlanName, prepareCase, type TorchPlan, type TorchTestCase } from "../../testing/torch/torchCases.ts";
import { describeWithTorch } from "../../testing/torch/torchGuard.ts";

const exampleFiles = ["examples/mlp/mlp.ts", "examples/gpt/gpt.ts", "examples/moe/moe.ts", "examples/cnn/cnn.ts"];

describeWithTorch("torch back end on 4 gloo processes", () => {
  const fixtures = fixturePlans();
  const examples = new Map<string, TorchPlan[]>();
  const cases = new Map<string, TorchTestCase>();
  let run: TorchRun;

  beforeAll(async () => {
    for (const file of exampleFiles) examples.set(file, examplePlans(file));
    for (const plan of [...fixtures, ...[...examples.values()].flat()]) cases.set(plan.name, await prepareCase(plan));
    run = await runTorchPrograms([...cases.values()]);
    console.log(`torch: ${cases.size} programs on 4 gloo processes in one launch: ${run.seconds.toFixed(1)} s`);
  }, 600_000);

  function expectRanksMatch(name: string): void {
    const testCase = cases.get(name);
    const ranks = run.ranks.get(name);
    if (!testCase || !ranks) throw new Error(`no torch result for "${name}"`);
    const { problems } = compareRanks(testCase.program, ranks, testCase.expected);
    expect(problems, `${testCase.title} as ${name}`).toEqual([]);
  }

  test("the programs use every collective (all-reduce, all-gather, reduce-scatter, all-to-all, local slice) on both mesh axes", () => {
    const used = new Set<string>();
    for (const { program } of cases.values()) for (const op of walkOps(program.body)) if ("axis" in op) used.add(`${op.op}@${op.axis}`);
    for (const kind of ["allReduce", "allGather", "reduceScatter", "allToAll", "localSlice"]) {
      expect(used, kind).toContain(`${kind}@data`);
      expect(used, kind).toContain(`${kind}@model`);
    }
  });

  test("conv2d and halo exchanges run: along both axes of the 2x2 mesh and in the cnn examples", () => {
    const halos = new Set<string>();
    for (const { program } of cases.values()) for (const op of walkOps(program.body)) if (op.op === "haloExchange") halos.add(`${program.name}@${op.axis}`);
    for (const name of [`${haloPlanName}@data`, "convNet_2x2_0@data", "convNet_2x2_0@model", "example_cnnSpatial@space", "example_cnn2d@space"]) expect(halos).toContain(name);
  });

  test("halo direction: each rank of a height-split conv gets the last row of the rank before and the first row of the rank after", () => {
    // The result is split in height, 2 rows a rank: row 0 of ranks 1-3 reads the last row of the rank before and row 1
    // of ranks 0-2 the first row of the rank after, so a flipped exchange (rows sent the wrong way, or put on the wrong
    // side of the block) breaks every rank.
    expectRanksMatch(haloPlanName);
  });

  test.each(fixtures.map((plan) => [plan.name, plan.global.layoutSpec] as const))("%s (layout \"%s\"): every rank holds its shard of the eager result", (name) => {
    expectRanksMatch(name);
  });

  test.each(exampleFiles)("%s: every program, every rank holds its shard of the eager result", (file) => {
    const plans = examples.get(file) ?? [];
    expect(plans.length, `programs found in ${file}`).toBeGreaterThan(0);
    for (const plan of plans) expectRanksMatch(plan.name);
  });
});
