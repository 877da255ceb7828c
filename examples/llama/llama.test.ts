/**
 * examples/llama through the compiler: every forward program and training
 * step equals eager and communicates the minimum docs/communication.md derives
 * (LLaMA section); the model is causal, and its grouped-query attention
 * splits over `kv_heads`.
 */
import { beforeAll, describe, expect, test } from "vitest";
import { fileURLToPath } from "node:url";
import { tensor } from "meshtype";
import { initAdamWState } from "meshtype/stdlib";
import type { Program } from "../../compiler/ir/ir.ts";
import { maxDifference, runEager, type Args } from "../../compiler/testing/harness.ts";
import { expectMinimum, plus } from "../expectCommunication.ts";
import { asTree, loadPrograms } from "../train/runSteps.ts";
import { initLlamaParams, makeTokenIds, nextIds } from "./inputs.ts";
import { D, LAYERS, llama } from "./llama.ts";

const BYTES = 4;
let programs = new Map<string, Program>();
beforeAll(() => {
  programs = loadPrograms(fileURLToPath(new URL("llama.ts", import.meta.url)));
}, 180_000);
function named(name: string): Program {
  const found = programs.get(name);
  if (!found) throw new Error(`no program ${name}; found ${[...programs.keys()].join(", ")}`);
  return found;
}

const ids = makeTokenIds(0);
const params = initLlamaParams(0);
const { batch, seq, d_model: m, kv_heads: kvh, q_per_kv: g, d_head: dh, d_ff: f, vocab: v } = D.sizes;

/** Parameters per device, in elements, with kv_heads, d_ff and vocab split over `n` devices (the norms stay whole). */
function paramsPerDevice(n: number): number {
  const norms = LAYERS * 2 * m + m;
  const layer = (m * kvh * g * dh + 2 * m * kvh * dh + kvh * g * dh * m + 3 * m * f) / n;
  return norms + LAYERS * layer + (2 * v * m) / n;
}
/** One all-reduce of the residual stream (batch/d x seq x d_model) per embedding and per sublayer: 1 + 2L. */
const activations = (dataSize: number): readonly [number, number] => [1 + 2 * LAYERS, (1 + 2 * LAYERS) * BYTES * (batch / dataSize) * seq * m];
/** The cross-entropy over a split vocab: max and sum per token, and the label logit (a scalar). */
const vocabLoss = (tokens: number): readonly [number, number] => [3, 2 * BYTES * tokens + BYTES];
/** The gradients' all-reduce over data: one per parameter tensor (9 per block, 3 outside), and the loss. */
const gradients = (n: number): readonly [number, number] => [9 * LAYERS + 3 + 1, BYTES * paramsPerDevice(n) + BYTES];

describe("examples/llama", () => {
  test("is causal: changing the last token changes only the last logits", () => {
    const reference = llama(ids, params);
    const changed = Float32Array.from(ids.data);
    changed[seq - 1] = (changed[seq - 1] + 1) % v;
    const after = llama(tensor(D, "batch seq", changed), params);
    const earlier = (seq - 1) * v;
    expect(Array.from(after.data.slice(0, earlier))).toEqual(Array.from(reference.data.slice(0, earlier)));
    expect(Array.from(after.data.slice(earlier, earlier + v))).not.toEqual(Array.from(reference.data.slice(earlier, earlier + v)));
  });

  const forward: Args = [{ name: "ids", tree: ids }, { name: "params", tree: asTree(params) }];
  test("the compiler reads the model as it runs eagerly (the IR's result equals llama(ids, params))", async () => {
    expect(maxDifference(await runEager(named("llamaData"), forward), llama(ids, params))).toBeLessThan(1e-5);
  });
  test("llamaData communicates nothing", async () => {
    await expectMinimum(named("llamaData"), forward, {});
  });
  test("llamaTensor: 1 + 2L all-reduces of batch x seq x d_model over model=2", async () => {
    await expectMinimum(named("llamaTensor"), forward, { allReduce: activations(1) });
  });
  test("llama2d: the same on a batch half", async () => {
    await expectMinimum(named("llama2d"), forward, { allReduce: activations(2) });
  });

  const state = initAdamWState(D, params);
  const training: Args = [
    { name: "params", tree: asTree(params) },
    { name: "state", tree: asTree(state) },
    { name: "ids", tree: ids },
    { name: "targets", tree: nextIds(ids) },
  ];
  test("llamaTrainData: every gradient all-reduced over data, and the loss", async () => {
    await expectMinimum(named("llamaTrainData"), training, { allReduce: gradients(1) }, 1e-4);
  });
  test("llamaTrainTensor: the residual stream's all-reduces forward and backward, and the vocab-split loss", async () => {
    await expectMinimum(named("llamaTrainTensor"), training, { allReduce: plus(activations(1), activations(1), vocabLoss(batch * seq)) }, 1e-4);
  });
  test("llamaTrain2d: both, with the gradients of the model-split parameters halved", async () => {
    // over model and over data together: explain sums bytes per kind, the simulated mesh counts both axes
    await expectMinimum(named("llamaTrain2d"), training, {
      allReduce: plus(activations(2), activations(2), vocabLoss((batch / 2) * seq), gradients(2)),
    }, 1e-4);
  });
});
