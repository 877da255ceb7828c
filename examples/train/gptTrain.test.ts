/**
 * The GPT training step (loss, valueAndGrad, AdamW) through the compiler:
 * under each layout one compiled step equals the eager step (params, state
 * and loss); weight-update sharding gives the same params with the bytes of
 * the formula; 50 steps on a tiny synthetic task (predict the next id,
 * `(id + 1) mod vocab`) lower the loss, eagerly and compiled.
 */
import { beforeAll, describe, expect, test } from "vitest";
import { fileURLToPath } from "node:url";
import { tensor, type Tensor } from "meshtype";
import { initAdamWState } from "meshtype/stdlib";
import type { Program } from "../../compiler/ir/ir.ts";
import { maxDifference, type Args } from "../../compiler/testing/harness.ts";
import { D } from "../gpt/gpt.ts";
import { initGptParams, makeTokenIds } from "../gpt/inputs.ts";
import { gptTrainStep } from "./gptTrain.ts";
import { asTree, loadPrograms, runCompiledSteps, wireBytesPerDevice } from "./runSteps.ts";

let programs = new Map<string, Program>();
beforeAll(() => {
  programs = loadPrograms(fileURLToPath(new URL("gptTrain.ts", import.meta.url)));
}, 180_000);

function program(name: string): Program {
  const found = programs.get(name);
  if (!found) throw new Error(`no program ${name}; found ${[...programs.keys()].join(", ")}`);
  return found;
}

const ids = makeTokenIds(0);
/** The synthetic task: the next id of every id is `(id + 1) mod vocab`. */
const targets: Tensor<"batch seq"> = tensor(D, "batch seq", ids.data.map((id) => (id + 1) % D.sizes.vocab));
const params = initGptParams(0);
const state = initAdamWState(D, params);
const args: Args = [
  { name: "params", tree: asTree(params) },
  { name: "state", tree: asTree(state) },
  { name: "ids", tree: ids },
  { name: "targets", tree: targets },
];

function countElements(tree: unknown): number {
  if (tree instanceof Object && "data" in tree && tree.data instanceof Float32Array) return tree.data.length;
  return Object.values(tree as object).reduce((total: number, item: unknown) => total + countElements(item), 0);
}
/** Float32 bytes of every parameter of the model. */
const paramBytes = 4 * countElements(params);

/** The eager losses of 50 steps (computed once). */
const eagerLosses = (() => {
  let cached: number[] | undefined;
  return (): number[] => {
    if (cached) return cached;
    let current = { params, state };
    cached = [];
    for (let step = 0; step < 50; step++) {
      const next = gptTrainStep(current.params, current.state, ids, targets);
      cached.push(next.loss.data[0]);
      current = next;
    }
    return cached;
  };
})();

describe("one compiled GPT training step equals the eager step", () => {
  const eager = gptTrainStep(params, state, ids, targets);
  test.each(["gptTrainData", "gptTrainDataSharded", "gptTrainMegatron", "gptTrain2d", "gptTrain2dSharded"])("%s", async (name) => {
    const { last } = await runCompiledSteps(program(name), args, 1);
    expect(maxDifference(last.loss, eager.loss)).toBeLessThan(1e-5);
    expect(maxDifference(last.params, asTree(eager.params))).toBeLessThan(1e-5);
    expect(maxDifference(last.state, asTree(eager.state))).toBeLessThan(1e-5);
  });
});

describe("weight-update sharding (data=4): bytes per device of one step", () => {
  const share = 3 / 4;
  test("plain data parallel: all-reduce of every gradient, 2(n-1)/n x param bytes (+ the loss)", async () => {
    const { firstStats } = await runCompiledSteps(program("gptTrainData"), args, 1);
    expect(wireBytesPerDevice(firstStats, 4)).toEqual([`allReduce data: ${2 * share * (paramBytes + 4)}`]);
  });
  test("sharded: (n-1)/n x param bytes reduce-scattered, (n-1)/n x param bytes all-gathered", async () => {
    const { firstStats } = await runCompiledSteps(program("gptTrainDataSharded"), args, 1);
    expect(wireBytesPerDevice(firstStats, 4)).toEqual([
      `reduceScatter data: ${share * paramBytes}`,
      `allGather data: ${share * paramBytes}`,
      `allReduce data: ${2 * share * 4}`,
    ]);
  });
});

describe("50 steps on the next-id task lower the loss", () => {
  test("eagerly", () => {
    const losses = eagerLosses();
    expect(losses[49]).toBeLessThan(0.1 * losses[0]);
  });
  test("compiled (2-D with weight-update sharding), along the eager curve", async () => {
    const { losses } = await runCompiledSteps(program("gptTrain2dSharded"), args, 50);
    expect(losses[49]).toBeLessThan(0.1 * losses[0]);
    losses.forEach((loss, step) => expect(Math.abs(loss - eagerLosses()[step])).toBeLessThan(1e-3 * Math.max(1, eagerLosses()[step])));
  }, 120_000);
});
