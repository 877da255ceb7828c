/**
 * Example: one GPT training step as one bound program — the loss, its
 * gradients (`valueAndGrad`) and an AdamW update — with the params and the
 * optimizer state going in and coming out, so it runs in a loop:
 *
 *     let state = initAdamWState(D, params);
 *     for (const batch of batches) ({ params, state } = gptTrain2d(params, state, batch.ids, batch.targets));
 *
 * Bound four ways: data parallel, data parallel with weight-update sharding
 * (the update and the optimizer state sharded over `data`), Megatron, and
 * 2-D. The model and its layouts are examples/gpt's.
 */
import { program, valueAndGrad, type Tensor } from "meshtype";
import { adamW, softmaxCrossEntropy, type AdamWHyper, type AdamWState } from "meshtype/stdlib";
import { D, dataLayout, dataMesh, gpt, layout2d, megatronLayout, mesh2d, modelMesh, type GptParams } from "../gpt/gpt.ts";

/** AdamW's hyperparameters for the example (high learning rate: the task is tiny). */
export const HYPER: AdamWHyper = { learningRate: 1e-2, weightDecay: 0 };

/** The mean next-token cross-entropy of the model on `ids` against `targets`. */
export function gptLoss(params: GptParams, ids: Tensor<"batch seq">, targets: Tensor<"batch seq">): Tensor<""> {
  return softmaxCrossEntropy(D, gpt(ids, params), targets);
}

/** What one step returns: the new params and state, and the loss of the params before the step. */
export interface GptStepResult {
  readonly params: GptParams;
  readonly state: AdamWState<GptParams>;
  readonly loss: Tensor<"">;
}

/** One training step: forward, backward and AdamW update. */
export function gptTrainStep(params: GptParams, state: AdamWState<GptParams>, ids: Tensor<"batch seq">, targets: Tensor<"batch seq">): GptStepResult {
  const { value, grad } = valueAndGrad(gptLoss)(params, ids, targets);
  const next = adamW(params, grad, state, HYPER);
  return { params: next.params, state: next.state, loss: value };
}

/** Data parallel over 4 devices: gradients all-reduced over `data`. */
export const gptTrainData = program(gptTrainStep, { mesh: dataMesh, layout: dataLayout });

/** Data parallel with the update sharded over `data`: gradients reduce-scattered, weights all-gathered, AdamW state a quarter per device. */
export const gptTrainDataSharded = program(gptTrainStep, { mesh: dataMesh, layout: dataLayout, weightUpdateSharding: "data" });

/** Megatron over 4 devices (heads, d_ff and vocab split over `model`). */
export const gptTrainMegatron = program(gptTrainStep, { mesh: modelMesh, layout: megatronLayout });

/** 2-D: data parallel over 2 and Megatron over 2. */
export const gptTrain2d = program(gptTrainStep, { mesh: mesh2d, layout: layout2d });

/** 2-D with the update sharded over `data`. */
export const gptTrain2dSharded = program(gptTrainStep, { mesh: mesh2d, layout: layout2d, weightUpdateSharding: "data" });
