/**
 * GPT-3 175B (Brown et al. 2020, Table 2.1: 96 layers, d_model 12288, 96
 * heads of 128, sequence 2048, batch 1536 sequences; vocabulary 51,200 as
 * Megatron-LM pads it) on 1,024 devices: data 128 x model 8 (Megatron-style
 * tensor parallelism inside a node, data parallelism across nodes), bf16,
 * the update sharded over data. The model at its real sizes, for
 * `meshtype simulate` and `npm run bench -- "simulate speed"`:
 *
 *     npx meshtype simulate bench/simulateGpt175.ts --program gpt175Forward --cluster a100 --no-typecheck
 */
import { add, dims, layout, mesh, program, valueAndGrad, type Tensor } from "meshtype";
import {
  adamW, embed, LAYER_NORM_EPSILON, layerNorm, softmaxCrossEntropy, transformerBlock, unembed,
  type AdamWState, type EmbeddingParams, type LayerNormParams, type TransformerBlockParams, type UnembeddingParams,
} from "meshtype/stdlib";

const D = dims({ batch: 1536, seq: 2048, kv_seq: 2048, d_model: 12288, heads: 96, d_head: 128, d_ff: 49152, vocab: 51200 });
const LAYERS = 96;

interface GptParams {
  readonly embedding: EmbeddingParams;
  readonly positions: Tensor<"seq d_model">;
  readonly layers: readonly TransformerBlockParams[];
  readonly finalNorm: LayerNormParams;
  readonly unembedding: UnembeddingParams;
}

function gpt(ids: Tensor<"batch seq">, params: GptParams): Tensor<"batch seq vocab"> {
  let x = add(embed(D, ids, params.embedding), params.positions);
  for (let i = 0; i < LAYERS; i++) x = transformerBlock(D, x, params.layers[i]);
  return unembed(layerNorm(x, params.finalNorm, LAYER_NORM_EPSILON), params.unembedding);
}

function gptLoss(params: GptParams, ids: Tensor<"batch seq">, targets: Tensor<"batch seq">): Tensor<""> {
  return softmaxCrossEntropy(D, gpt(ids, params), targets);
}

export function trainStep(params: GptParams, state: AdamWState<GptParams>, ids: Tensor<"batch seq">, targets: Tensor<"batch seq">) {
  const { value, grad } = valueAndGrad(gptLoss)(params, ids, targets);
  const next = adamW(params, grad, state, { learningRate: 6e-5, weightDecay: 0.1 });
  return { params: next.params, state: next.state, loss: value };
}

const M = mesh({ data: 128, model: 8 });
const L = layout(M, D, "batch:data, heads:model, d_ff:model, vocab:model");
export const gpt175Train = program(trainStep, { mesh: M, layout: L, dtype: "bf16", weightUpdateSharding: "data" });
export const gpt175Forward = program(gpt, { mesh: M, layout: L, dtype: "bf16" });
