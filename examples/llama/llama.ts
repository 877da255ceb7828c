/**
 * Example: a LLaMA-style decoder (Touvron et al. 2023) at test size: token
 * embedding, `LAYERS` pre-norm blocks of RMSNorm, grouped-query causal
 * self-attention with rotary position embeddings (RoPE) and a SwiGLU MLP, a
 * final RMSNorm and untied logits; and its training step (cross-entropy,
 * AdamW), each bound three ways.
 *
 *   data parallel   batch:data                                     (data=4)
 *   tensor          kv_heads:model, d_ff:model, vocab:model        (model=2: one key/value head and its 2 query heads per device)
 *   2-D             batch:data, kv_heads:model, d_ff:model, vocab:model  (2 x 2)
 *
 * Grouped-query attention has 4 query heads sharing 2 key/value heads
 * (`kv_heads` x `q_per_kv`); splitting `kv_heads` keeps every group's work
 * local, as splitting `heads` does for multi-head attention. The layers are
 * meshtype/stdlib's: rmsNorm, selfAttention (with `rope`), swiGlu, embed,
 * unembed, softmaxCrossEntropy. docs/communication.md (LLaMA section) gives
 * the bytes of each binding.
 */
import { add, dims, layout, mesh, program, valueAndGrad, type Tensor } from "meshtype";
import {
  adamW,
  embed,
  RMS_NORM_EPSILON,
  rmsNorm,
  ROPE_BASE,
  selfAttention,
  softmaxCrossEntropy,
  swiGlu,
  unembed,
  type AdamWHyper,
  type AdamWState,
  type EmbeddingParams,
  type GatedMlpParams,
  type GroupedQueryAttentionParams,
  type RmsNormParams,
  type UnembeddingParams,
} from "meshtype/stdlib";

/** The dims: 2 key/value heads of 2 query heads each (4 query heads of 4 features: d_model 16). */
export const D = dims({ batch: 4, seq: 8, kv_seq: 8, d_model: 16, kv_heads: 2, q_per_kv: 2, d_head: 4, d_ff: 32, vocab: 32 });

/** Number of decoder blocks. */
export const LAYERS = 2;

/** One decoder block's parameters. */
export interface LlamaBlockParams {
  readonly attentionNorm: RmsNormParams;
  readonly attention: GroupedQueryAttentionParams;
  readonly mlpNorm: RmsNormParams;
  readonly mlp: GatedMlpParams;
}

/** Every parameter of the model. */
export interface LlamaParams {
  readonly embedding: EmbeddingParams;
  readonly layers: readonly LlamaBlockParams[];
  readonly finalNorm: RmsNormParams;
  readonly unembedding: UnembeddingParams;
}

/** `h + attention(norm(h))`, then `+ swiGlu(norm(.))`: one pre-norm block. */
export function llamaBlock(x: Tensor<"batch seq d_model">, params: LlamaBlockParams): Tensor<"batch seq d_model"> {
  const attended = selfAttention(D, rmsNorm(x, params.attentionNorm, RMS_NORM_EPSILON), params.attention, {
    seq: "seq", kvSeq: "kv_seq", causal: true, rope: { base: ROPE_BASE },
  });
  const h = add(x, attended);
  return add(h, swiGlu(rmsNorm(h, params.mlpNorm, RMS_NORM_EPSILON), params.mlp));
}

/** Token ids in, next-token logits out. */
export function llama(ids: Tensor<"batch seq">, params: LlamaParams): Tensor<"batch seq vocab"> {
  let x = embed(D, ids, params.embedding);
  for (let i = 0; i < LAYERS; i++) {
    x = llamaBlock(x, params.layers[i]);
  }
  return unembed(rmsNorm(x, params.finalNorm, RMS_NORM_EPSILON), params.unembedding);
}

export const dataMesh = mesh({ data: 4 });
export const dataLayout = layout(dataMesh, D, "batch:data");
export const modelMesh = mesh({ model: 2 });
export const tensorLayout = layout(modelMesh, D, "kv_heads:model, d_ff:model, vocab:model");
export const mesh2d = mesh({ data: 2, model: 2 });
export const layout2d = layout(mesh2d, D, "batch:data, kv_heads:model, d_ff:model, vocab:model");

export const llamaData = program(llama, { mesh: dataMesh, layout: dataLayout });
export const llamaTensor = program(llama, { mesh: modelMesh, layout: tensorLayout });
export const llama2d = program(llama, { mesh: mesh2d, layout: layout2d });

/** AdamW's hyperparameters for the example (a high learning rate: the task is tiny). */
export const HYPER: AdamWHyper = { learningRate: 1e-2, weightDecay: 0 };

/** The mean next-token cross-entropy. */
export function llamaLoss(params: LlamaParams, ids: Tensor<"batch seq">, targets: Tensor<"batch seq">): Tensor<""> {
  return softmaxCrossEntropy(D, llama(ids, params), targets);
}

/** What one step returns. */
export interface LlamaStepResult {
  readonly params: LlamaParams;
  readonly state: AdamWState<LlamaParams>;
  readonly loss: Tensor<"">;
}

/** One training step: forward, backward, AdamW. */
export function llamaTrainStep(params: LlamaParams, state: AdamWState<LlamaParams>, ids: Tensor<"batch seq">, targets: Tensor<"batch seq">): LlamaStepResult {
  const { value, grad } = valueAndGrad(llamaLoss)(params, ids, targets);
  const next = adamW(params, grad, state, HYPER);
  return { params: next.params, state: next.state, loss: value };
}

export const llamaTrainData = program(llamaTrainStep, { mesh: dataMesh, layout: dataLayout });
export const llamaTrainTensor = program(llamaTrainStep, { mesh: modelMesh, layout: tensorLayout });
export const llamaTrain2d = program(llamaTrainStep, { mesh: mesh2d, layout: layout2d });
