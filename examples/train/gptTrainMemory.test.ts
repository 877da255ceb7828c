/**
 * `meshtype explain` on the GPT training step: the bytes per device of
 * parameters, gradients, optimizer state and saved activations equal the
 * hand formulas, under every binding of examples/train/gptTrain.ts.
 */
import { beforeAll, describe, expect, test } from "vitest";
import { fileURLToPath } from "node:url";
import { explainJson, explainText, type ExplainJson } from "../../compiler/cli/explain.ts";
import { compileFiles, type CompiledProgram } from "../../compiler/index.ts";
import type { TrainingMemory } from "../../compiler/explain/memory.ts";
import type { Tensor } from "../../dsl/tensor.ts";
import { D, LAYERS } from "../gpt/gpt.ts";
import { initGptParams } from "../gpt/inputs.ts";

let compiled = new Map<string, CompiledProgram>();
beforeAll(() => {
  const result = compileFiles([fileURLToPath(new URL("gptTrain.ts", import.meta.url))], { typeCheck: false });
  expect(result.diagnostics).toEqual([]);
  compiled = new Map(result.files.flatMap((file) => file.programs).map((program) => [program.name, program]));
}, 180_000);

function json(name: string): ExplainJson {
  const found = compiled.get(name);
  if (!found) throw new Error(`no program ${name}; found ${[...compiled.keys()].join(", ")}`);
  return explainJson(found);
}

function memory(name: string): TrainingMemory {
  const found = json(name).memory;
  if (!found) throw new Error(`${name}: explain --json has no memory`);
  return found;
}

function leaves(tree: unknown): Tensor[] {
  if (tree instanceof Object && "data" in tree && tree.data instanceof Float32Array) return [tree as Tensor];
  return Object.values(tree as object).flatMap(leaves);
}

const params = leaves(initGptParams(0));
/** Bytes per device of the params when each dim in `splitDims` is split over an axis of `axisSize`. */
function paramBytes(splitDims: readonly string[] = [], axisSize = 1): number {
  return params.reduce((total, leaf) => total + (4 * leaf.data.length) / (leaf.dims.some((dim) => splitDims.includes(dim.name)) ? axisSize : 1), 0);
}
const total = paramBytes();
/** AdamW's state: m and v (one float per param) and the step count (one float). */
const adamState = (perDevice: number): number => 2 * perDevice + 4;

describe("training memory per device, GPT step", () => {
  test("data parallel (data=4): every device holds all params, gradients and AdamW state", () => {
    expect(memory("gptTrainData")).toMatchObject({ parameters: total, gradients: total, optimizerState: adamState(total) });
  });

  test("weight-update sharding over data=4: the optimizer state shrinks by 4; the rest is unchanged", () => {
    const plain = memory("gptTrainData");
    const sharded = memory("gptTrainDataSharded");
    expect(sharded.optimizerState).toBe((2 * total) / 4 + 4);
    expect(sharded).toEqual({ ...plain, optimizerState: sharded.optimizerState });
  });

  test("Megatron (model=4) and 2-D (model=2): params and gradients split along heads, d_ff and vocab", () => {
    const megatron = paramBytes(["heads", "d_ff", "vocab"], 4);
    expect(memory("gptTrainMegatron")).toMatchObject({ parameters: megatron, gradients: megatron, optimizerState: adamState(megatron) });
    const twoD = paramBytes(["heads", "d_ff", "vocab"], 2);
    expect(memory("gptTrain2d")).toMatchObject({ parameters: twoD, gradients: twoD, optimizerState: adamState(twoD) });
  });

  test("saved activations under data=4: the forward values the VJP rules read, for batch/4 x seq tokens", () => {
    const { d_model: model, d_ff: ff, vocab, heads, kv_seq: kvSeq } = D.sizes;
    const tokens = (D.sizes.batch / 4) * D.sizes.seq;
    // Per token. A layer norm saves its input (its fused backward, normalizeGrad, recomputes mean and rstd from it),
    // the normalized value (for the scale's gradient) and its scaled output.
    const norm = 3 * model;
    // Attention: q, k, v and context (each heads x d_head = d_model), the weights (heads x kv_seq).
    const attention = norm + 4 * model + heads * kvSeq;
    // MLP: the pre-activation and the activation (d_ff each).
    const mlp = norm + 2 * ff;
    // Head: the final norm; the logits, the one-hot labels and the log-sum-exp (1) of the loss; the embedding's one-hot ids.
    const head = norm + vocab + vocab + 1 + vocab;
    // (The attention's 1/sqrt(d_head) is a number in the op, not a saved tensor.)
    const expected = 4 * tokens * (LAYERS * (attention + mlp) + head);
    expect(memory("gptTrainData").savedActivations).toBe(expected);
  });

  test("text output has the memory line; --json rows mark forward and backward ops", () => {
    const text = explainText(compiled.get("gptTrainData") as CompiledProgram);
    const { parameters, gradients, optimizerState, savedActivations } = memory("gptTrainData");
    expect(text).toContain(
      `Training memory, bytes per device: parameters ${parameters}, gradients ${gradients}, optimizer state ${optimizerState}, saved activations ${savedActivations}`,
    );
    const phases = new Set(json("gptTrainData").ops.map((row) => row.phase));
    expect(phases).toEqual(new Set([undefined, "forward", "backward"]));
  });
});
