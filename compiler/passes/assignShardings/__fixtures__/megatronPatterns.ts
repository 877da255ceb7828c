/**
 * Fixture: the patterns where lazy, per-consumer reduction of a pending sum
 * costs more all-reduces than Megatron-LM (Shoeybi et al. 2019) needs, each
 * bound with the Megatron layout (d_ff and vocab split over `model`). The
 * test pins the count of batch x seq x d_model all-reduces to Megatron's.
 */
import { add, dims, einsum, grad, gelu, layout, mesh, mul, program, sigmoid, square, sum, valueAndGrad, type Tensor } from "meshtype";
import {
  embed, layerNorm, LAYER_NORM_EPSILON, rmsNorm, RMS_NORM_EPSILON, softmaxCrossEntropy, unembed,
  type EmbeddingParams, type LayerNormParams, type RmsNormParams, type UnembeddingParams,
} from "meshtype/stdlib";

export const D = dims({ batch: 2, seq: 4, d_model: 8, d_ff: 16, vocab: 8 });

export interface P {
  readonly embedding: EmbeddingParams;
  readonly norm: RmsNormParams;
  readonly up: Tensor<"d_model d_ff">;
  readonly down: Tensor<"d_ff d_model">;
  readonly unembedding: UnembeddingParams;
}

// The reproduction of the issue, as a new user wrote it.
function block(x: Tensor<"batch seq d_model">, p: P): Tensor<"batch seq vocab"> {
  const h = einsum(rmsNorm(x, p.norm, RMS_NORM_EPSILON), p.up, "batch seq d_ff");
  const y = add(x, einsum(mul(h, sigmoid(h)), p.down, "batch seq d_model"));
  return unembed(y, p.unembedding);
}
export function asWritten(ids: Tensor<"batch seq">, p: P): Tensor<"batch seq vocab"> {
  return block(embed(D, ids, p.embedding), p);
}

/** A pending sum into a norm: the vocab-split embedding, RMS-normed, into a column-parallel projection. */
export function partialIntoNorm(ids: Tensor<"batch seq">, p: P): Tensor<"batch seq d_ff"> {
  return einsum(rmsNorm(embed(D, ids, p.embedding), p.norm, RMS_NORM_EPSILON), p.up, "batch seq d_ff");
}

export interface Block2 {
  readonly first: { readonly norm: RmsNormParams; readonly up: Tensor<"d_model d_ff">; readonly down: Tensor<"d_ff d_model"> };
  readonly second: { readonly norm: RmsNormParams; readonly up: Tensor<"d_model d_ff">; readonly down: Tensor<"d_ff d_model"> };
}

function preNormMlp(x: Tensor<"batch seq d_model">, p: Block2["first"]): Tensor<"batch seq d_model"> {
  return add(x, einsum(gelu(einsum(rmsNorm(x, p.norm, RMS_NORM_EPSILON), p.up, "batch seq d_ff")), p.down, "batch seq d_model"));
}

/** A partial residual stream through two pre-norm blocks (no loop), from the vocab-split embedding. */
export function partialResidual(ids: Tensor<"batch seq">, embedding: EmbeddingParams, p: Block2): Tensor<"batch seq d_model"> {
  return preNormMlp(preNormMlp(embed(D, ids, embedding), p.first), p.second);
}

export interface NormBlock<Norm> {
  readonly gain: Tensor<"d_model">;
  readonly norm: Norm;
  readonly up: Tensor<"d_model d_ff">;
  readonly down: Tensor<"d_ff d_model">;
}

type Norm<Params> = (x: Tensor<"batch seq d_model">, params: Params, epsilon: number) => Tensor<"batch seq d_model">;

// x -> x + down(gelu(up(norm(x)))), with x = input * gain so that the gradient flows on through x.
function residualLoss<Params>(normalize: Norm<Params>, epsilon: number, p: NormBlock<Params>, input: Tensor<"batch seq d_model">): Tensor<""> {
  const x = mul(input, p.gain);
  const y = add(x, einsum(gelu(einsum(normalize(x, p.norm, epsilon), p.up, "batch seq d_ff")), p.down, "batch seq d_model"));
  return sum(square(y), "batch seq d_model");
}
function rmsLoss(p: NormBlock<RmsNormParams>, input: Tensor<"batch seq d_model">): Tensor<""> {
  return residualLoss(rmsNorm, RMS_NORM_EPSILON, p, input);
}
function layerLoss(p: NormBlock<LayerNormParams>, input: Tensor<"batch seq d_model">): Tensor<""> {
  return residualLoss(layerNorm, LAYER_NORM_EPSILON, p, input);
}

/** The gradients of a pre-norm residual MLP block: the backward of the norm gets a pending sum from the column-parallel projection. */
export function rmsNormBackward(p: NormBlock<RmsNormParams>, input: Tensor<"batch seq d_model">) {
  return grad(rmsLoss)(p, input);
}
export function layerNormBackward(p: NormBlock<LayerNormParams>, input: Tensor<"batch seq d_model">) {
  return grad(layerLoss)(p, input);
}

/** A one-block Llama-style training loss and gradients (vocab-split embedding and unembedding). */
export function llamaStep(p: P, ids: Tensor<"batch seq">, targets: Tensor<"batch seq">) {
  return valueAndGrad((params: P, i: Tensor<"batch seq">, t: Tensor<"batch seq">) => softmaxCrossEntropy(D, asWritten(i, params), t))(p, ids, targets);
}

const M = mesh({ model: 2 });
const megatron = layout(M, D, "d_ff:model, vocab:model");
export const asWrittenMegatron = program(asWritten, { mesh: M, layout: megatron });
export const partialIntoNormMegatron = program(partialIntoNorm, { mesh: M, layout: megatron });
export const partialResidualMegatron = program(partialResidual, { mesh: M, layout: megatron });
export const rmsNormBackwardMegatron = program(rmsNormBackward, { mesh: M, layout: megatron });
export const layerNormBackwardMegatron = program(layerNormBackward, { mesh: M, layout: megatron });
export const llamaStepMegatron = program(llamaStep, { mesh: M, layout: megatron });
