/**
 * Example: a T5-style encoder-decoder (Raffel et al. 2020; T5 v1.1's GeGLU
 * MLPs and untied logits) at test size, and its training step
 * (cross-entropy of the decoder's next tokens, AdamW), each bound three ways.
 *
 *   data parallel   batch:data                                   (data=4)
 *   tensor          heads:model, d_ff:model, vocab:model         (model=2, Megatron-style)
 *   2-D             batch:data, heads:model, d_ff:model, vocab:model (2 x 2)
 *
 * The encoder reads `enc_seq` tokens, the decoder `dec_seq` tokens (another
 * length): every layer comes from meshtype/stdlib, generic over those names:
 * rmsNorm and geGlu on either stream, selfAttention over `enc_seq` (keys
 * `enc_kv`) and causal over `dec_seq` (keys `dec_kv`), attention of the
 * decoder's queries over the encoder's output for cross-attention, and T5's
 * relative position bias (the buckets computed in the model with abs, log,
 * floor and clamp). One embedding table serves both stacks, as in T5.
 * docs/communication.md (T5 section) gives the bytes of each binding.
 */
import { add, dims, layout, mesh, program, valueAndGrad, type Tensor } from "meshtype";
import {
  adamW,
  attention,
  embed,
  geGlu,
  RMS_NORM_EPSILON,
  relativePositionBias,
  rmsNorm,
  selfAttention,
  softmaxCrossEntropy,
  unembed,
  type AdamWHyper,
  type AdamWState,
  type AttentionParams,
  type EmbeddingParams,
  type GatedMlpParams,
  type RelativeBiasParams,
  type RmsNormParams,
  type UnembeddingParams,
} from "meshtype/stdlib";

/** The dims: 8 encoder tokens, 6 decoder tokens, 4 heads of 4, 8 relative position buckets. */
export const D = dims({
  batch: 4, enc_seq: 8, enc_kv: 8, dec_seq: 6, dec_kv: 6, d_model: 16, heads: 4, d_head: 4, d_ff: 32, vocab: 32, rel_buckets: 8,
});

/** Blocks per stack, and where relative distances stop growing buckets. */
export const LAYERS = 2;
export const MAX_DISTANCE = 16;

/** An encoder block: self-attention and a GeGLU MLP, each pre-norm with a residual. */
export interface EncoderBlockParams {
  readonly attentionNorm: RmsNormParams;
  readonly attention: AttentionParams;
  readonly mlpNorm: RmsNormParams;
  readonly mlp: GatedMlpParams;
}

/** A decoder block: causal self-attention, cross-attention over the encoder's output, a GeGLU MLP. */
export interface DecoderBlockParams {
  readonly selfNorm: RmsNormParams;
  readonly selfAttention: AttentionParams;
  readonly crossNorm: RmsNormParams;
  readonly crossAttention: AttentionParams;
  readonly mlpNorm: RmsNormParams;
  readonly mlp: GatedMlpParams;
}

/** Every parameter of the model. */
export interface T5Params {
  readonly embedding: EmbeddingParams;
  readonly encoder: { readonly relativeBias: RelativeBiasParams; readonly layers: readonly EncoderBlockParams[]; readonly finalNorm: RmsNormParams };
  readonly decoder: { readonly relativeBias: RelativeBiasParams; readonly layers: readonly DecoderBlockParams[]; readonly finalNorm: RmsNormParams };
  readonly unembedding: UnembeddingParams;
}

/** The encoder: embedded inputs through its blocks (one bias for the stack, as T5 shares it). */
export function encode(inputs: Tensor<"batch enc_seq">, params: T5Params): Tensor<"batch enc_seq d_model"> {
  const bias = relativePositionBias(D, params.encoder.relativeBias, { seq: "enc_seq", kvSeq: "enc_kv", bidirectional: true, maxDistance: MAX_DISTANCE });
  let x = embed(D, inputs, params.embedding);
  for (let i = 0; i < LAYERS; i++) {
    const block = params.encoder.layers[i];
    x = add(x, selfAttention(D, rmsNorm(x, block.attentionNorm, RMS_NORM_EPSILON), block.attention, { seq: "enc_seq", kvSeq: "enc_kv", bias }));
    x = add(x, geGlu(rmsNorm(x, block.mlpNorm, RMS_NORM_EPSILON), block.mlp));
  }
  return rmsNorm(x, params.encoder.finalNorm, RMS_NORM_EPSILON);
}

/** The decoder: its (shifted) input tokens, attending causally to themselves and to the encoder's output; logits. */
export function decode(decoderInputs: Tensor<"batch dec_seq">, memory: Tensor<"batch enc_seq d_model">, params: T5Params): Tensor<"batch dec_seq vocab"> {
  const bias = relativePositionBias(D, params.decoder.relativeBias, { seq: "dec_seq", kvSeq: "dec_kv", bidirectional: false, maxDistance: MAX_DISTANCE });
  let y = embed(D, decoderInputs, params.embedding);
  for (let i = 0; i < LAYERS; i++) {
    const block = params.decoder.layers[i];
    y = add(y, selfAttention(D, rmsNorm(y, block.selfNorm, RMS_NORM_EPSILON), block.selfAttention, { seq: "dec_seq", kvSeq: "dec_kv", causal: true, bias }));
    y = add(y, attention(D, rmsNorm(y, block.crossNorm, RMS_NORM_EPSILON), memory, block.crossAttention, { seq: "dec_seq", kvSeq: "enc_seq" }));
    y = add(y, geGlu(rmsNorm(y, block.mlpNorm, RMS_NORM_EPSILON), block.mlp));
  }
  return unembed(rmsNorm(y, params.decoder.finalNorm, RMS_NORM_EPSILON), params.unembedding);
}

/** Encoder inputs and decoder inputs in, the decoder's next-token logits out. */
export function t5(inputs: Tensor<"batch enc_seq">, decoderInputs: Tensor<"batch dec_seq">, params: T5Params): Tensor<"batch dec_seq vocab"> {
  return decode(decoderInputs, encode(inputs, params), params);
}

export const dataMesh = mesh({ data: 4 });
export const dataLayout = layout(dataMesh, D, "batch:data");
export const modelMesh = mesh({ model: 2 });
export const tensorLayout = layout(modelMesh, D, "heads:model, d_ff:model, vocab:model");
export const mesh2d = mesh({ data: 2, model: 2 });
export const layout2d = layout(mesh2d, D, "batch:data, heads:model, d_ff:model, vocab:model");

export const t5Data = program(t5, { mesh: dataMesh, layout: dataLayout });
export const t5Tensor = program(t5, { mesh: modelMesh, layout: tensorLayout });
export const t52d = program(t5, { mesh: mesh2d, layout: layout2d });

/** AdamW's hyperparameters for the example. */
export const HYPER: AdamWHyper = { learningRate: 1e-2, weightDecay: 0 };

/** The mean cross-entropy of the decoder's logits against `targets`. */
export function t5Loss(params: T5Params, inputs: Tensor<"batch enc_seq">, decoderInputs: Tensor<"batch dec_seq">, targets: Tensor<"batch dec_seq">): Tensor<""> {
  return softmaxCrossEntropy(D, t5(inputs, decoderInputs, params), targets);
}

/** What one step returns. */
export interface T5StepResult {
  readonly params: T5Params;
  readonly state: AdamWState<T5Params>;
  readonly loss: Tensor<"">;
}

/** One training step: forward, backward, AdamW. */
export function t5TrainStep(
  params: T5Params, state: AdamWState<T5Params>, inputs: Tensor<"batch enc_seq">, decoderInputs: Tensor<"batch dec_seq">, targets: Tensor<"batch dec_seq">,
): T5StepResult {
  const { value, grad } = valueAndGrad(t5Loss)(params, inputs, decoderInputs, targets);
  const next = adamW(params, grad, state, HYPER);
  return { params: next.params, state: next.state, loss: value };
}

export const t5TrainData = program(t5TrainStep, { mesh: dataMesh, layout: dataLayout });
export const t5TrainTensor = program(t5TrainStep, { mesh: modelMesh, layout: tensorLayout });
export const t5Train2d = program(t5TrainStep, { mesh: mesh2d, layout: layout2d });
