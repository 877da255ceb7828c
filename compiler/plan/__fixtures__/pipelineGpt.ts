/**
 * Fixture for the pipeline planner's tests: the GPT of examples/gpt as one
 * AdamW training step in bf16 at two sizes. `gptWide`: d_model 4096 (32
 * heads of 128, d_ff 16384), 16 layers (3.4 G parameters), batch 16 of
 * 1024 tokens, bound with Megatron-LM's intra-op layout on 4 DGX A100 nodes
 * (tensor parallel 8 inside a node, data parallel across nodes). `gptSmall`:
 * d_model 256, 4 layers, batch 64 of 256 tokens, data parallel on one node.
 */
import { add, dims, layout, mesh, program, valueAndGrad, type Tensor } from "meshtype";
import {
  adamW, embed, LAYER_NORM_EPSILON, layerNorm, softmaxCrossEntropy, transformerBlock, unembed,
  type AdamWState, type EmbeddingParams, type LayerNormParams, type TransformerBlockParams, type UnembeddingParams,
} from "meshtype/stdlib";

export const Wide = dims({ batch: 16, seq: 1024, kv_seq: 1024, d_model: 4096, heads: 32, d_head: 128, d_ff: 16384, vocab: 51200 });
export const WIDE_LAYERS = 16;
export const Small = dims({ batch: 64, seq: 256, kv_seq: 256, d_model: 256, heads: 4, d_head: 64, d_ff: 1024, vocab: 8192 });
export const SMALL_LAYERS = 4;

export interface GptParams {
  readonly embedding: EmbeddingParams;
  readonly positions: Tensor<"seq d_model">;
  readonly layers: readonly TransformerBlockParams[];
  readonly finalNorm: LayerNormParams;
  readonly unembedding: UnembeddingParams;
}

function wideLoss(params: GptParams, ids: Tensor<"batch seq">, targets: Tensor<"batch seq">): Tensor<""> {
  let x = add(embed(Wide, ids, params.embedding), params.positions);
  for (let i = 0; i < WIDE_LAYERS; i++) x = transformerBlock(Wide, x, params.layers[i]);
  return softmaxCrossEntropy(Wide, unembed(layerNorm(x, params.finalNorm, LAYER_NORM_EPSILON), params.unembedding), targets);
}

function smallLoss(params: GptParams, ids: Tensor<"batch seq">, targets: Tensor<"batch seq">): Tensor<""> {
  let x = add(embed(Small, ids, params.embedding), params.positions);
  for (let i = 0; i < SMALL_LAYERS; i++) x = transformerBlock(Small, x, params.layers[i]);
  return softmaxCrossEntropy(Small, unembed(layerNorm(x, params.finalNorm, LAYER_NORM_EPSILON), params.unembedding), targets);
}

export function wideStep(params: GptParams, state: AdamWState<GptParams>, ids: Tensor<"batch seq">, targets: Tensor<"batch seq">) {
  const { value, grad } = valueAndGrad(wideLoss)(params, ids, targets);
  const next = adamW(params, grad, state, { learningRate: 1e-4, weightDecay: 0 });
  return { params: next.params, state: next.state, loss: value };
}

export function smallStep(params: GptParams, state: AdamWState<GptParams>, ids: Tensor<"batch seq">, targets: Tensor<"batch seq">) {
  const { value, grad } = valueAndGrad(smallLoss)(params, ids, targets);
  const next = adamW(params, grad, state, { learningRate: 1e-4, weightDecay: 0 });
  return { params: next.params, state: next.state, loss: value };
}

const nodes4 = mesh({ data: 4, model: 8 });
export const gptWide = program(wideStep, { mesh: nodes4, layout: layout(nodes4, Wide, "batch:data, heads:model, d_ff:model, vocab:model"), dtype: "bf16" });

const node = mesh({ data: 8 });
export const gptSmall = program(smallStep, { mesh: node, layout: layout(node, Small, "batch:data"), dtype: "bf16" });
