/**
 * Layer normalization over `d_model` (Ba et al. 2016), written in the DSL and
 * generic over every other dim: `X extends HasDims<"d_model">` lets the ops
 * prove the reductions, and each broadcast back keeps `Tensor<X>`.
 */
import { add, mul, normalize, ones, zeros, type HasDims, type Tensor } from "meshtype";
import type { DimsWith } from "./dimsWith.ts";

/** Learned per-feature scale (gamma) and bias (beta) of a layer norm. */
export interface LayerNormParams {
  readonly scale: Tensor<"d_model">;
  readonly bias: Tensor<"d_model">;
}

/** The usual epsilon of a layer norm (GPT-2 and PyTorch use 1e-5). */
export const LAYER_NORM_EPSILON = 1e-5;

/**
 * `(x - mean) / sqrt(var + epsilon) * scale + bias`, with mean and (biased)
 * variance taken over `d_model` at every position of x's other dims (any
 * batch and sequence dims, in any order). The normalization is one fused op
 * (`normalize`, with its own backward), then the scale and the bias.
 *
 * @example
 * const y = layerNorm(x, params.norm1, LAYER_NORM_EPSILON); // x: "batch seq d_model" -> same
 * const z = layerNorm(memory, params.norm, LAYER_NORM_EPSILON); // memory: "batch enc_seq d_model" -> same
 */
export function layerNorm<X extends HasDims<"d_model">>(x: Tensor<X>, params: LayerNormParams, epsilon: number): Tensor<X> {
  const normalized = normalize(x, "d_model", epsilon);
  return add(mul(normalized, params.scale), params.bias);
}

/**
 * The identity layer norm: scale ones, bias zeros (as PyTorch initialises it).
 * `prefix` is unused by the values but kept for the same call shape as the other inits.
 *
 * @example
 * const norm1 = initLayerNormParams(D, 0, "block0.norm1");
 */
export function initLayerNormParams(D: DimsWith<"d_model">, _seed: number, _prefix: string): LayerNormParams {
  return { scale: ones(D, "d_model"), bias: zeros(D, "d_model") };
}
