/**
 * The GPT at GPT-2's vocabulary (50257, prime) with 3 heads, under Megatron's
 * layout (heads and vocab split unevenly: padded(...)), 2-D, and a batch
 * split over two axes: compiled, run on the simulated mesh, equal to the
 * eager model, forward and one training step (params, AdamW state, loss).
 */
import { beforeAll, describe, expect, test } from "vitest";
import { fileURLToPath } from "node:url";
import type { Program } from "../../compiler/ir/ir.ts";
import { walkOps } from "../../compiler/ir/opAttrs.ts";
import { paddedDimsOf } from "../../compiler/ir/sharding.ts";
import { compileProgram } from "../../compiler/passes/pipeline.ts";
import { maxDifference, runLowered, type Args } from "../../compiler/testing/harness.ts";
import { adamState } from "../../compiler/testing/torch/trainInputs.ts";
import { asTree, loadPrograms, runCompiledSteps } from "../train/runSteps.ts";
import { D, gpt, trainStep } from "./gptVocab50257.ts";
import { initParams, initState, makeTokenIds, nextTokens } from "./inputs.ts";

let programs = new Map<string, Program>();
beforeAll(() => {
  programs = loadPrograms(fileURLToPath(new URL("gptVocab50257.ts", import.meta.url)));
}, 180_000);

function program(name: string): Program {
  const found = programs.get(name);
  if (!found) throw new Error(`no program ${name}; found ${[...programs.keys()].join(", ")}`);
  return found;
}

const ids = makeTokenIds(0);
const targets = nextTokens(ids);
const params = initParams(0);
// v = 1 + |v| (m = 0, step 0): the first update is linear in the gradient, so float noise cannot flip its sign
const state = adamState(asTree(initState(params)));

describe("GPT with vocab 50257 and 3 heads, split unevenly", () => {
  test("the layouts split vocab and heads unevenly: 25129 per device of 2 (the second short), one head of 3 each", () => {
    const lowered = compileProgram(program("unevenMegatron"));
    const w = [...walkOps(lowered.body)].find((op) => op.op === "param" && op.path === "params.unembedding.w");
    const value = w && lowered.values.get(w.output);
    expect(value?.localDims).toEqual([{ name: "d_model", size: 12 }, { name: "vocab", size: 25129 }]);
    expect(paddedDimsOf(value?.dims ?? [], value?.sharding ?? {}, lowered.mesh).map((entry) => entry.dim)).toEqual(["vocab"]);
    const masked = new Set([...walkOps(lowered.body)].flatMap((op) => (op.op === "maskPadding" ? op.dims : [])));
    expect([...masked].sort()).toEqual(["heads", "vocab"]);
  });

  const forward: Args = [{ name: "ids", tree: ids }, { name: "params", tree: asTree(params) }];
  const eagerLogits = gpt(ids, params);
  test.each(["unevenMegatron", "unevenMegatron4", "uneven2d", "fsdp2x2"])("%s: the gathered logits equal the eager model", async (name) => {
    const { result } = await runLowered(compileProgram(program(name)), forward);
    expect(maxDifference(result, eagerLogits)).toBeLessThan(1e-4);
  });

  const training: Args = [
    { name: "params", tree: asTree(params) },
    { name: "state", tree: state },
    { name: "ids", tree: ids },
    { name: "targets", tree: targets },
  ];
  const eager = trainStep(params, state as unknown as Parameters<typeof trainStep>[1], ids, targets);
  test.each(["unevenTrainMegatron", "unevenTrain2d", "fsdpTrain"])("%s: one step's params, AdamW state and loss equal the eager step", async (name) => {
    const { last } = await runCompiledSteps(program(name), training, 1);
    expect(last.loss.data[0]).toBeCloseTo(Math.log(D.sizes.vocab), 0);
    expect(maxDifference(last.loss, eager.loss)).toBeLessThan(1e-5);
    expect(maxDifference(last.params, asTree(eager.params))).toBeLessThan(1e-5);
    expect(maxDifference(last.state, asTree(eager.state))).toBeLessThan(1e-5);
  }, 60_000);
});
