/**
 * Example: the GPT of examples/gpt at GPT-2's vocabulary, 50257 tokens (a
 * prime: no mesh axis divides it), with 3 attention heads, laid out the ways
 * real configurations need:
 *
 *   Megatron        heads:padded(model), d_ff:model, vocab:padded(model)
 *   2-D             batch:data, heads:padded(model), d_ff:model, vocab:padded(model)
 *   FSDP-style      batch:(data, fsdp): one batch split over two mesh axes, data major
 *
 * `padded(...)` opts a rule into an uneven split: 50257 over 2 devices is
 * 25129 per device, the second holding 25128 and one entry of padding; 3
 * heads over 4 devices is one each, the last device holding none. The
 * compiler masks the padding where a sum, a max or a contraction reads it,
 * so every program equals the eager model. Without `padded`, the editor
 * rejects "vocab:model" and its message names the opt-in.
 *
 * The other sizes are small, so the test builds and runs the real vocabulary.
 */
import { add, dims, layout, mesh, program, valueAndGrad, type Tensor } from "meshtype";
import {
  adamW,
  embed,
  LAYER_NORM_EPSILON,
  layerNorm,
  softmaxCrossEntropy,
  transformerBlock,
  unembed,
  type AdamWHyper,
  type AdamWState,
} from "meshtype/stdlib";
import type { GptParams } from "../gpt/gpt.ts";

/** GPT-2's vocabulary with a test-sized model: 3 heads of 4, one block. */
export const D = dims({ batch: 4, seq: 4, kv_seq: 4, d_model: 12, heads: 3, d_head: 4, d_ff: 48, vocab: 50257 });

/** Number of transformer blocks. */
export const LAYERS = 1;

/** Token ids in, next-token logits out (examples/gpt's model over these dims). */
export function gpt(ids: Tensor<"batch seq">, params: GptParams): Tensor<"batch seq vocab"> {
  let x = add(embed(D, ids, params.embedding), params.positions);
  for (let i = 0; i < LAYERS; i++) {
    x = transformerBlock(D, x, params.layers[i]);
  }
  return unembed(layerNorm(x, params.finalNorm, LAYER_NORM_EPSILON), params.unembedding);
}

/** AdamW's hyperparameters for the example. */
export const HYPER: AdamWHyper = { learningRate: 1e-2, weightDecay: 0 };

/** The mean next-token cross-entropy of the model on `ids` against `targets`. */
export function gptLoss(params: GptParams, ids: Tensor<"batch seq">, targets: Tensor<"batch seq">): Tensor<""> {
  return softmaxCrossEntropy(D, gpt(ids, params), targets);
}

/** One training step: the loss, its gradients and an AdamW update. */
export function trainStep(params: GptParams, state: AdamWState<GptParams>, ids: Tensor<"batch seq">, targets: Tensor<"batch seq">) {
  const { value, grad } = valueAndGrad(gptLoss)(params, ids, targets);
  const next = adamW(params, grad, state, HYPER);
  return { params: next.params, state: next.state, loss: value };
}

/** Megatron over 2 devices: 3 heads and 50257 tokens split unevenly. */
export const modelMesh = mesh({ model: 2 });
export const megatronLayout = layout(modelMesh, D, "heads:padded(model), d_ff:model, vocab:padded(model)");
export const unevenMegatron = program(gpt, { mesh: modelMesh, layout: megatronLayout });
export const unevenTrainMegatron = program(trainStep, { mesh: modelMesh, layout: megatronLayout });

/** Megatron over 4 devices: one head each, the fourth device none. */
export const modelMesh4 = mesh({ model: 4 });
export const megatronLayout4 = layout(modelMesh4, D, "heads:padded(model), d_ff:model, vocab:padded(model)");
export const unevenMegatron4 = program(gpt, { mesh: modelMesh4, layout: megatronLayout4 });

/** Data and tensor parallelism on a 2 x 2 mesh. */
export const mesh2d = mesh({ data: 2, model: 2 });
export const layout2d = layout(mesh2d, D, "batch:data, heads:padded(model), d_ff:model, vocab:padded(model)");
export const uneven2d = program(gpt, { mesh: mesh2d, layout: layout2d });
export const unevenTrain2d = program(trainStep, { mesh: mesh2d, layout: layout2d });

/** One batch split over two mesh axes, data major (JAX's PartitionSpec(("data", "fsdp"))). */
export const fsdpMesh = mesh({ data: 2, fsdp: 2 });
export const fsdpLayout = layout(fsdpMesh, D, "batch:(data, fsdp)");
export const fsdp2x2 = program(gpt, { mesh: fsdpMesh, layout: fsdpLayout });
export const fsdpTrain = program(trainStep, { mesh: fsdpMesh, layout: fsdpLayout });
