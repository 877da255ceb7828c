/**
 * Element-wise functions of one tensor. The result has x's dims, in x's order.
 */
import { Tensor } from "../tensor.ts";
import { recordOp } from "../autodiff/recorder.ts";
import type { UnaryFn } from "../autodiff/primitive.ts";
import { maximum, minimum } from "./binary.ts";
import { resultLabel } from "./dimLists.ts";

/** An element-wise op of one tensor: same dims as x. */
export type UnaryOp = <S extends string>(x: Tensor<S>) => Tensor<S>;

/** Build an element-wise op from its scalar function. */
function unary(name: UnaryFn, fn: (value: number) => number): UnaryOp {
  return <S extends string>(x: Tensor<S>): Tensor<S> => {
    const source = x.data;
    const out = new Float32Array(source.length);
    for (let index = 0; index < source.length; index++) out[index] = fn(source[index]);
    const result = new Tensor<S>(x.dims, out, resultLabel(name, [x]));
    recordOp({ op: "unary", fn: name }, [x], result);
    return result;
  };
}

const geluScale = Math.sqrt(2 / Math.PI);

/** `max(x, 0)`. */
export const relu: UnaryOp = unary("relu", (value) => (value > 0 ? value : 0));
/**
 * GELU with the tanh approximation used by GPT-2 (and `jax.nn.gelu(approximate=True)`):
 * `0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))`.
 */
export const gelu: UnaryOp = unary("gelu", (value) => 0.5 * value * (1 + Math.tanh(geluScale * (value + 0.044715 * value * value * value))));
/** `1 / (1 + exp(-x))`, computed without overflow for large |x|. */
export const sigmoid: UnaryOp = unary("sigmoid", (value) => {
  if (value >= 0) return 1 / (1 + Math.exp(-value));
  const exp = Math.exp(value);
  return exp / (1 + exp);
});
/** `e^x`. */
export const exp: UnaryOp = unary("exp", Math.exp);
/** Natural logarithm. */
export const log: UnaryOp = unary("log", Math.log);
/** Hyperbolic tangent. */
export const tanh: UnaryOp = unary("tanh", Math.tanh);
/** Square root. */
export const sqrt: UnaryOp = unary("sqrt", Math.sqrt);
/** `1 / sqrt(x)`. */
export const rsqrt: UnaryOp = unary("rsqrt", (value) => 1 / Math.sqrt(value));
/** `-x`. */
export const neg: UnaryOp = unary("neg", (value) => -value);
/** `|x|`. */
export const abs: UnaryOp = unary("abs", Math.abs);
/** `x * x`. */
export const square: UnaryOp = unary("square", (value) => value * value);
/** `1 / x`. */
export const reciprocal: UnaryOp = unary("reciprocal", (value) => 1 / value);
/** Sine (radians). */
export const sin: UnaryOp = unary("sin", Math.sin);
/** Cosine (radians). */
export const cos: UnaryOp = unary("cos", Math.cos);
/** The largest integer not above x. Its gradient is zero (as in JAX). */
export const floor: UnaryOp = unary("floor", Math.floor);
/**
 * The nearest integer, halves to the even neighbour (`round(2.5)` is 2, `round(-1.5)` is -2), as
 * `torch.round`, `numpy.round` and `jax.numpy.round` do (not `Math.round`, which rounds halves up).
 * Its gradient is zero.
 */
export const round: UnaryOp = unary("round", roundHalfToEven);

/** `Math.round` with halves sent to the even neighbour. */
function roundHalfToEven(value: number): number {
  const nearest = Math.round(value);
  return Math.abs(value % 1) === 0.5 && nearest % 2 !== 0 ? nearest - 1 : nearest;
}

/**
 * `x` limited to `[low, high]`: `minimum(maximum(x, low), high)`, recorded as those two ops (so it
 * compiles and differentiates as they do: the gradient passes where `low <= x <= high`). With
 * `low > high` every element becomes `high`, as `torch.clamp` does.
 *
 * @example
 * const bucket = clamp(floor(distance), 0, 7); // T5's relative position buckets
 */
export function clamp<S extends string>(x: Tensor<S>, low: number, high: number): Tensor<S> {
  return minimum(maximum(x, low), high);
}
