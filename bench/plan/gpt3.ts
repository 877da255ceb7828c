/**
 * GPT-3 175B (Brown et al. 2020, Table 2.1: 96 layers, d_model 12288, 96
 * heads of 128, d_ff 4 x d_model, context 2048; vocabulary 51200 as in
 * Megatron-LM's runs, Narayanan et al. 2021) as one training step: the GPT
 * of examples/gpt at full size, AdamW, bf16. For `npm run bench` (the
 * planner's search time and plan) and `meshtype plan`. The batch is Megatron-LM's for
 * 1,024 GPUs (Narayanan et al. 2021, Table 1: 1536).
 *
 * The hand-written binding is Megatron-LM's intra-op layout (tensor
 * parallel over the 8 GPUs of a node, data parallel across nodes, the
 * optimizer state sharded over data, as its distributed optimizer does) on
 * 1,024 devices. Megatron-LM's published runs at this size also pipeline
 * the layers and recompute activations, which this compiler's planner does
 * not do: the bench compares plans of one step without them.
 */
import { add, dims, layout, mesh, program, valueAndGrad, type Tensor } from "meshtype";
import {
  adamW, embed, LAYER_NORM_EPSILON, layerNorm, softmaxCrossEntropy, transformerBlock, unembed,
  type AdamWState, type EmbeddingParams, type LayerNormParams, type TransformerBlockParams, type UnembeddingParams,
} from "meshtype/stdlib";

export const D = dims({ batch: 1536, seq: 2048, kv_seq: 2048, d_model: 12288, heads: 96, d_head: 128, d_ff: 49152, vocab: 51200 });

/** GPT-3 175B's layer count. */
export const LAYERS = 96;

export interface Gpt3Params {
  readonly embedding: EmbeddingParams;
  readonly positions: Tensor<"seq d_model">;
  readonly layers: readonly TransformerBlockParams[];
  readonly finalNorm: LayerNormParams;
  readonly unembedding: UnembeddingParams;
}

function gpt3(ids: Tensor<"batch seq">, params: Gpt3Params): Tensor<"batch seq vocab"> {
  let x = add(embed(D, ids, params.embedding), params.positions);
  for (let i = 0; i < LAYERS; i++) {
    x = transformerBlock(D, x, params.layers[i]);
  }
  return unembed(layerNorm(x, params.finalNorm, LAYER_NORM_EPSILON), params.unembedding);
}

function gpt3Loss(params: Gpt3Params, ids: Tensor<"batch seq">, targets: Tensor<"batch seq">): Tensor<""> {
  return softmaxCrossEntropy(D, gpt3(ids, params), targets);
}

export function gpt3TrainStep(params: Gpt3Params, state: AdamWState<Gpt3Params>, ids: Tensor<"batch seq">, targets: Tensor<"batch seq">) {
  const { value, grad } = valueAndGrad(gpt3Loss)(params, ids, targets);
  const next = adamW(params, grad, state, { learningRate: 6e-5, weightDecay: 0.1 });
  return { params: next.params, state: next.state, loss: value };
}

const M1024 = mesh({ data: 128, model: 8 });
/** Megatron-LM's intra-op layout on 1,024 devices; the bench re-meshes it to 64 (data 8) and 512 (data 64). */
export const gpt3Megatron = program(gpt3TrainStep, {
  mesh: M1024, layout: layout(M1024, D, "batch:data, heads:model, d_ff:model, vocab:model"), weightUpdateSharding: "data", dtype: "bf16",
});
