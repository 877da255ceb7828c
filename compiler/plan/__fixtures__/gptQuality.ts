/**
 * Fixture for the planner's quality tests: the GPT of examples/gpt at
 * GPT-2 medium width (d_model 1024, 16 heads, d_ff 4096, a 51200-token
 * vocabulary, 1024 positions, batch 4), 2 layers, one AdamW training step
 * in bf16, bound with Megatron-LM's layout over the 8 GPUs of a node.
 */
import { add, dims, layout, mesh, program, valueAndGrad, type Tensor } from "meshtype";
import {
  adamW,
  embed,
  LAYER_NORM_EPSILON,
  layerNorm,
  transformerBlock,
  softmaxCrossEntropy,
  unembed,
  type AdamWState,
  type EmbeddingParams,
  type LayerNormParams,
  type TransformerBlockParams,
  type UnembeddingParams,
} from "meshtype/stdlib";

/**
 * The dims of the model. `kv_seq` is a second name for the sequence: keys and
 * values are indexed by it, so that attention scores have both `seq` and `kv_seq`.
 */
export const D = dims({ batch: 4, seq: 1024, kv_seq: 1024, d_model: 1024, heads: 16, d_head: 64, d_ff: 4096, vocab: 51200 });

/** Number of transformer blocks. */
export const LAYERS = 2;

/** Every parameter of the model; `layers` has `LAYERS` entries, all with the same dims. */
export interface GptParams {
  readonly embedding: EmbeddingParams;
  /** Learned position embeddings, added to the token embeddings. */
  readonly positions: Tensor<"seq d_model">;
  readonly layers: readonly TransformerBlockParams[];
  readonly finalNorm: LayerNormParams;
  readonly unembedding: UnembeddingParams;
}

/**
 * Token ids in, next-token logits out.
 *
 * The blocks are a `for` loop over `params.layers` rather than `LAYERS`
 * explicit calls: the compiler keeps a loop with a static trip count as one
 * loop (its body lowered once), so building stays fast as layers are added,
 * and the model reads the same at 2 layers or 48.
 */
export function gpt(ids: Tensor<"batch seq">, params: GptParams): Tensor<"batch seq vocab"> {
  let x = add(embed(D, ids, params.embedding), params.positions);
  for (let i = 0; i < LAYERS; i++) {
    x = transformerBlock(D, x, params.layers[i]);
  }
  return unembed(layerNorm(x, params.finalNorm, LAYER_NORM_EPSILON), params.unembedding);
}


function gptLoss(params: GptParams, ids: Tensor<"batch seq">, targets: Tensor<"batch seq">): Tensor<""> {
  return softmaxCrossEntropy(D, gpt(ids, params), targets);
}

/** One training step (AdamW), bf16. */
export function gptStep(params: GptParams, state: AdamWState<GptParams>, ids: Tensor<"batch seq">, targets: Tensor<"batch seq">) {
  const { value, grad } = valueAndGrad(gptLoss)(params, ids, targets);
  const next = adamW(params, grad, state, { learningRate: 1e-4, weightDecay: 0 });
  return { params: next.params, state: next.state, loss: value };
}

/** Megatron-LM's layout over the 8 GPUs of a node. */
const node = mesh({ model: 8 });
export const gptStepMegatron = program(gptStep, { mesh: node, layout: layout(node, D, "heads:model, d_ff:model, vocab:model"), dtype: "bf16" });
