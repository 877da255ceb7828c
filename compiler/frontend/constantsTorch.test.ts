/**
 * Module-level constants on the torch back end: the programs of
 * __fixtures__/constants.ts (constants split over one axis, two axes and
 * none; a training step) emitted into one module and run as 4 gloo
 * processes; every rank holds its shard of the eager DSL function's result.
 */
import { beforeAll, expect, test } from "vitest";
import type { Tensor } from "../../dsl/tensor.ts";
import type { TensorTree } from "../testing/interpret.ts";
import { compareRanks } from "../testing/torch/compareRanks.ts";
import { runTorchPrograms, type TorchRun } from "../testing/torch/runTorch.ts";
import { examplePlans, prepareCase, type TorchTestCase } from "../testing/torch/torchCases.ts";
import { describeWithTorch } from "../testing/torch/torchGuard.ts";
import * as model from "./__fixtures__/constants.ts";

const bindings = ["whole", "split", "twoAxes", "trainSplit", "deepSplit"];

describeWithTorch("module-level constants on 4 gloo processes", () => {
  const cases = new Map<string, TorchTestCase>();
  let run: TorchRun;

  beforeAll(async () => {
    for (const plan of examplePlans("compiler/frontend/__fixtures__/constants.ts")) {
      cases.set(plan.global.name, await prepareCase({ ...plan, name: `constants_${plan.global.name}` }));
    }
    run = await runTorchPrograms([...cases.values()]);
  }, 600_000);

  test.each(bindings)("%s: every rank holds its shard of the eager DSL function's result", (name) => {
    const testCase = cases.get(name);
    const ranks = run.ranks.get(`constants_${name}`);
    if (!testCase || !ranks) throw new Error(`no torch result for ${name}`);
    // the reference is the eager function itself, not only the IR's reading of it
    const x = testCase.args.find((entry) => entry.name === "x")?.tree as Tensor<"batch seq d">;
    const w = testCase.args.find((entry) => entry.name === "w")?.tree as Tensor<"d f">;
    const layers = testCase.args.find((entry) => entry.name === "layers")?.tree as unknown as Tensor<"d f">[];
    const eager = (name === "deepSplit" ? model.deepStep(layers, x) : name === "trainSplit" ? model.trainStep(w, x) : model.forward(x, w)) as unknown as TensorTree;
    expect(compareRanks(testCase.program, ranks, eager).problems, name).toEqual([]);
  });
});
