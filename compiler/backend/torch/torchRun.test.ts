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
import { examplePlans, fixturePlans, prepareCase, type TorchPlan, type TorchTestCase } from "../../testing/torch/torchCases.ts";
import { describeWithTorch } from "../../testing/torch/torchGuard.ts";

const exampleFiles = ["examples/mlp/mlp.ts", "examples/gpt/gpt.ts", "examples/moe/moe.ts"];

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

  test.each(fixtures.map((plan) => [plan.name, plan.global.layoutSpec] as const))("%s (layout \"%s\"): every rank holds its shard of the eager result", (name) => {
    expectRanksMatch(name);
  });

  test.each(exampleFiles)("%s: every program, every rank holds its shard of the eager result", (file) => {
    const plans = examples.get(file) ?? [];
    expect(plans.length, `programs found in ${file}`).toBeGreaterThan(0);
    for (const plan of plans) expectRanksMatch(plan.name);
  });
});
