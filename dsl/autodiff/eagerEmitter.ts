/**
 * The emitter of the eager tape: each method runs the eager DSL op on
 * tensors. The DSL types check dims strings at the type level; here they come
 * from the rules at run time, so the ops are called through one loose view.
 */
import { dropout } from "../ops/dropout.ts";
import { geluGrad, normalize, normalizeGrad } from "../ops/fused.ts";
import { callBinary, callOp as call, looseOps as loose } from "../ops/looseOps.ts";
import type { LayoutRule } from "../parseLayout.ts";
import { Tensor, type Dim } from "../tensor.ts";
import type { Emitter } from "./emitter.ts";
import type { BinaryFn, ReduceFn, UnaryFn, UnaryGradFn } from "./primitive.ts";

type T = Tensor<string>;

/** The emitter over eager tensors. */
export const eagerEmitter: Emitter<T> = {
  dims: (value) => value.dims,
  full: (dims: readonly Dim[], value: number) => new Tensor(dims, new Float32Array(dims.reduce((product, dim) => product * dim.size, 1)).fill(value)),
  unary: (fn: UnaryFn, x) => call(fn, x),
  binary: (fn: BinaryFn, a, b) => callBinary(fn, a, b),
  scalar: (fn: BinaryFn, x, value, position = 1) => (position === 1 ? call(fn, x, value) : call(fn, value, x)),
  where: (cond, a, b) => loose.where(cond, a, b),
  einsum: (inputs, out) => loose.einsum(...inputs, out.join(" ")),
  reduce: (fn: ReduceFn, x, dims) => call(fn, x, dims.join(" ")),
  normalize: (x, dim, epsilon) => (normalize as (x: T, dim: string, epsilon: number) => T)(x, dim, epsilon),
  normalizeGrad: (x, g, dim, epsilon) => (normalizeGrad as (x: T, g: T, dim: string, epsilon: number) => T)(x, g, dim, epsilon),
  unaryGrad: (_fn: UnaryGradFn, x, g) => geluGrad(x, g),
  conv2d: (x, kernel, spec) => loose.conv2d(x, kernel, spec),
  rename: (x, from, to) => loose.rename(x, from, to),
  transpose: (x, out) => loose.transpose(x, out.join(" ")),
  splitDim: (x, dim, into) => loose.splitDim(x, dim, into.map((entry) => entry.name).join(" "), Object.fromEntries(into.map((entry) => [entry.name, entry.size]))),
  mergeDims: (x, dims, into) => loose.mergeDims(x, dims.join(" "), into),
  slice: (x, dim, start, stop) => loose.slice(x, dim, start, stop),
  concat: (inputs, dim) => loose.concat(inputs, dim),
  oneHot: (ids, dim) => loose.oneHot(ids, dim.name, dim.size),
  relayout: (x, _rules: readonly LayoutRule[]) => x,
  relayoutLike: (x, _like) => x,
  dropout: (x, { rate, seed, name }, step) => dropout(x, rate, { seed, name, step: step as Tensor<""> | undefined }),
};
