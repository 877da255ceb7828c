/**
 * examples/t5 through the compiler: every forward program and training step
 * equals eager and communicates the minimum docs/communication.md derives
 * (T5 section); the decoder is causal over its own tokens and reads every
 * encoder token.
 */
import { beforeAll, describe, expect, test } from "vitest";
import { fileURLToPath } from "node:url";
import { tensor } from "meshtype";
import { initAdamWState } from "meshtype/stdlib";
import type { Program } from "../../compiler/ir/ir.ts";
import { maxDifference, runEager, type Args } from "../../compiler/testing/harness.ts";
import { expectMinimum, plus } from "../expectCommunication.ts";
import { asTree, loadPrograms } from "../train/runSteps.ts";
import { initT5Params, makeDecoderIds, makeEncoderIds, nextIds } from "./inputs.ts";
import { D, LAYERS, t5, t5TrainStep } from "./t5.ts";

const BYTES = 4;
let programs = new Map<string, Program>();
beforeAll(() => {
  programs = loadPrograms(fileURLToPath(new URL("t5.ts", import.meta.url)));
}, 180_000);
function named(name: string): Program {
  const found = programs.get(name);
  if (!found) throw new Error(`no program ${name}; found ${[...programs.keys()].join(", ")}`);
  return found;
}

const inputs = makeEncoderIds(0);
const decoderInputs = makeDecoderIds(1);
const params = initT5Params(0);
const { batch, enc_seq: es, dec_seq: ds, d_model: m, heads: h, d_head: dh, d_ff: f, vocab: v, rel_buckets: r } = D.sizes;

/** Parameters per device, in elements, with heads, d_ff and vocab split over `n` devices (the norms stay whole). */
function paramsPerDevice(n: number): number {
  const attention = 4 * m * h * dh;
  const mlp = 3 * m * f;
  const norms = LAYERS * 2 * m + m + LAYERS * 3 * m + m;
  const split = 2 * r * h + LAYERS * (attention + mlp) + LAYERS * (2 * attention + mlp) + 2 * v * m;
  return norms + split / n;
}
/** Encoder: 1 + 2L all-reduces of `[B, enc_seq, M]`; decoder: 1 + 3L of `[B, dec_seq, M]` (self, cross, MLP). */
const forwardStreams = (dataSize: number): readonly [number, number] => {
  const tokens = batch / dataSize;
  return plus([1 + 2 * LAYERS, (1 + 2 * LAYERS) * BYTES * tokens * es * m], [1 + 3 * LAYERS, (1 + 3 * LAYERS) * BYTES * tokens * ds * m]);
};
/**
 * The backward: the encoder's 2L, the decoder's 1 + 3L (its first one is the logits' input), and the
 * cotangent of the encoder's output summed over the decoder's cross-attentions, reduced once.
 */
const backwardStreams = (dataSize: number): readonly [number, number] => {
  const tokens = batch / dataSize;
  return plus([2 * LAYERS, 2 * LAYERS * BYTES * tokens * es * m], [1 + 3 * LAYERS, (1 + 3 * LAYERS) * BYTES * tokens * ds * m], [1, BYTES * tokens * es * m]);
};
/** The cross-entropy over a split vocab: max and sum per token, and the label logit (a scalar). */
const vocabLoss = (tokens: number): readonly [number, number] => [3, 2 * BYTES * tokens + BYTES];
/** Every gradient all-reduced over data: 9 tensors per encoder block, 14 per decoder block, 6 outside, and the loss. */
const gradients = (n: number): readonly [number, number] => [9 * LAYERS + 14 * LAYERS + 6 + 1, BYTES * paramsPerDevice(n) + BYTES];

describe("examples/t5", () => {
  const logits = (enc: Float32Array, dec: Float32Array) => t5(tensor(D, "batch enc_seq", enc), tensor(D, "batch dec_seq", dec), params).data;
  test("the decoder is causal over its tokens and reads every encoder token", () => {
    const reference = logits(inputs.data, decoderInputs.data);
    const changedDecoder = Float32Array.from(decoderInputs.data);
    changedDecoder[ds - 1] = (changedDecoder[ds - 1] + 1) % v;
    const afterDecoder = logits(inputs.data, changedDecoder);
    const earlier = (ds - 1) * v;
    expect(Array.from(afterDecoder.slice(0, earlier))).toEqual(Array.from(reference.slice(0, earlier)));
    expect(Array.from(afterDecoder.slice(earlier, earlier + v))).not.toEqual(Array.from(reference.slice(earlier, earlier + v)));
    const changedEncoder = Float32Array.from(inputs.data);
    changedEncoder[es - 1] = (changedEncoder[es - 1] + 1) % v;
    // the first decoder position already sees the last encoder token
    expect(Array.from(logits(changedEncoder, decoderInputs.data).slice(0, v))).not.toEqual(Array.from(reference.slice(0, v)));
  });

  const forward: Args = [{ name: "inputs", tree: inputs }, { name: "decoderInputs", tree: decoderInputs }, { name: "params", tree: asTree(params) }];
  test("the compiler reads the model as it runs eagerly (the IR's result equals t5(inputs, decoderInputs, params))", async () => {
    expect(maxDifference(await runEager(named("t5Data"), forward), t5(inputs, decoderInputs, params))).toBeLessThan(1e-5);
  });
  test("t5Data communicates nothing", async () => {
    await expectMinimum(named("t5Data"), forward, {});
  });
  test("t5Tensor: the residual streams' all-reduces over model=2, encoder and decoder", async () => {
    await expectMinimum(named("t5Tensor"), forward, { allReduce: forwardStreams(1) });
  });
  test("t52d: the same on a batch half", async () => {
    await expectMinimum(named("t52d"), forward, { allReduce: forwardStreams(2) });
  });

  const state = initAdamWState(D, params);
  const training: Args = [
    { name: "params", tree: asTree(params) },
    { name: "state", tree: asTree(state) },
    { name: "inputs", tree: inputs },
    { name: "decoderInputs", tree: decoderInputs },
    { name: "targets", tree: nextIds(decoderInputs) },
  ];
  test("the compiled training step reads as the eager one runs (IR result equals t5TrainStep: params, AdamW state, loss)", async () => {
    const eager = t5TrainStep(params, state, inputs, decoderInputs, nextIds(decoderInputs));
    expect(maxDifference(await runEager(named("t5TrainData"), training), asTree(eager))).toBeLessThan(1e-5);
  });
  test("t5TrainData: every gradient all-reduced over data (the relative bias tables' once, not their biases per layer), and the loss", async () => {
    await expectMinimum(named("t5TrainData"), training, { allReduce: gradients(1) }, 1e-4);
  });
  test("t5TrainTensor: the streams forward and backward (the encoder output's cotangent reduced once), the vocab-split loss", async () => {
    await expectMinimum(named("t5TrainTensor"), training, { allReduce: plus(forwardStreams(1), backwardStreams(1), vocabLoss(batch * ds)) }, 1e-4);
  });
  test("t5Train2d: both, with the gradients of the model-split parameters halved", async () => {
    await expectMinimum(named("t5Train2d"), training, {
      allReduce: plus(forwardStreams(2), backwardStreams(2), vocabLoss((batch / 2) * ds), gradients(2)),
    }, 1e-4);
  });
});
