/**
 * The analytic minimum communication of examples/uneven's programs, derived
 * in docs/layouts.md ("What padded splits communicate"): per device and per
 * call of the program, collective kind -> [calls, payload bytes]. Padded
 * shards count at their padded size, ceil(size / devices), as every device
 * of an uneven split holds (and sends) a block of that size.
 */
import { expect } from "vitest";
import { explainProgram } from "../../compiler/explain/explainRows.ts";
import type { Program } from "../../compiler/ir/ir.ts";
import type { CommStats } from "../../dsl/runtime/stats.ts";
import { D, LAYERS } from "./gptVocab50257.ts";

/** Per device, per call of the program: collective kind -> [calls, payload bytes]. */
export type Minimum = Readonly<Record<string, readonly [calls: number, bytes: number]>>;

const BYTES = 4;
const { batch: b, seq: s, d_model: m, heads: h, d_head: dh, d_ff: f, vocab: v } = D.sizes;
const ceil = (size: number, devices: number): number => Math.ceil(size / devices);
const sum = (...parts: (readonly [number, number])[]): readonly [number, number] => [
  parts.reduce((total, part) => total + part[0], 0),
  parts.reduce((total, part) => total + part[1], 0),
];

/** Parameter tensors of the GPT: embedding, positions, 12 per block, the final norm's 2, the unembedding. */
const paramTensors = 1 + 1 + 12 * LAYERS + 2 + 1;

/** Parameters per device, in elements, when heads, d_ff and vocab are split over `n` devices, the padded ones at ceil(size / n). */
function paramsPerDevice(n: number): number {
  const layer = 2 * 2 * m + 4 * m * ceil(h, n) * dh + (m * f + f) / n + (f * m) / n + m;
  return ceil(v, n) * m + s * m + LAYERS * layer + 2 * m + m * ceil(v, n);
}

/** Megatron's all-reduces of (batch / data) x seq x d_model: the embedding, each block's attention and MLP; both ways in a training step. */
const megatronActivations = (data: number, training: boolean): readonly [number, number] => {
  const count = (training ? 2 : 1) * (1 + 2 * LAYERS);
  return [count, count * BYTES * (b / data) * s * m];
};
/** softmaxCrossEntropy over a split vocab: the max and the sum over (batch / data) x seq tokens, and the label logit (a scalar). */
const vocabLoss = (data: number): readonly [number, number] => [3, 2 * BYTES * (b / data) * s + BYTES];
/** Data parallel: one all-reduce per parameter gradient (the padded shards of a split one) and the mean loss. */
const gradients = (n: number): readonly [number, number] => [paramTensors + 1, BYTES * paramsPerDevice(n) + BYTES];

/** The minimum of every program of examples/uneven/gptVocab50257.ts. */
export const minimum: Readonly<Record<string, Minimum>> = {
  unevenMegatron: { allReduce: megatronActivations(1, false) },
  unevenMegatron4: { allReduce: megatronActivations(1, false) },
  uneven2d: { allReduce: megatronActivations(2, false) },
  fsdp2x2: {},
  unevenTrainMegatron: { allReduce: sum(megatronActivations(1, true), vocabLoss(1)) },
  unevenTrain2d: { allReduce: sum(megatronActivations(2, true), vocabLoss(2), gradients(2)) },
  // batch over (data, fsdp): every gradient and the loss summed over both axes in one all-reduce of the group of 4
  fsdpTrain: { allReduce: gradients(1) },
};

/** `lowered`'s explained bytes per device, and the calls and bytes `stats` counted over its devices, are `expected`. */
export function expectCommunicated(lowered: Program, stats: CommStats, expected: Minimum): void {
  const devices = lowered.mesh.reduce((product, axis) => product * axis.size, 1);
  const perDevice = Object.fromEntries(Object.entries(explainProgram(lowered).bytesByCollective).filter(([kind]) => kind !== "localSlice"));
  expect(perDevice, "explain's bytes per device").toEqual(Object.fromEntries(Object.entries(expected).map(([kind, [, bytes]]) => [kind, bytes])));
  const counted = new Map<string, [number, number]>();
  for (const entry of stats.entries()) {
    if (entry.payloadBytes === 0) continue;
    const [calls, bytes] = counted.get(entry.kind) ?? [0, 0];
    counted.set(entry.kind, [calls + entry.calls, bytes + entry.payloadBytes]);
  }
  expect(Object.fromEntries(counted), "the simulated mesh's calls and bytes").toEqual(
    Object.fromEntries(Object.entries(expected).map(([kind, [calls, bytes]]) => [kind, [calls * devices, bytes * devices]])),
  );
}
