/**
 * Root-mean-square normalization over `d_model` (Zhang and Sennrich 2019; T5, LLaMA),
 * generic over every other dim.
 */
import { add, mean, mul, ones, rsqrt, square, type HasDims, type Tensor } from "meshtype";
import type { DimsWith } from "./dimsWith.ts";

/** Learned per-feature scale of an RMS norm. */
export interface RmsNormParams {
  readonly scale: Tensor<"d_model">;
}

/** The usual epsilon of an RMS norm (LLaMA uses 1e-6). */
export const RMS_NORM_EPSILON = 1e-6;

/**
 * `x / sqrt(mean(x^2) + epsilon) * scale`, the mean taken over `d_model` at
 * every position of x's other dims. Unlike layer norm it neither centres nor adds a bias.
 *
 * @example
 * const y = rmsNorm(x, params.norm, RMS_NORM_EPSILON); // x: "batch seq d_model" -> same
 */
export function rmsNorm<X extends HasDims<"d_model">>(x: Tensor<X>, params: RmsNormParams, epsilon: number): Tensor<X> {
  const inverseRms = rsqrt(add(mean(square(x), "d_model"), epsilon));
  return mul(mul(x, inverseRms), params.scale);
}

/**
 * The identity RMS norm: scale ones.
 *
 * @example
 * const norm = initRmsNormParams(D, 0, "block0.norm");
 */
export function initRmsNormParams(D: DimsWith<"d_model">, _seed: number, _prefix: string): RmsNormParams {
  return { scale: ones(D, "d_model") };
}
