/**
 * The emitter: what a vector-Jacobian rule may do, as the DSL's own ops with
 * dims by name. A rule is written once against `Emitter<V>`; eagerly `V` is a
 * `Tensor` and each method runs the eager op (eagerEmitter.ts); in the
 * compiler `V` is an IR value id and each method adds a global IR op
 * (compiler/autodiff/irEmitter.ts), which `lower` then lowers like any other.
 */
import type { Conv2dSpec } from "../ops/shapeRulesConv.ts";
import type { LayoutRule } from "../parseLayout.ts";
import type { Dim } from "../tensor.ts";
import type { BinaryFn, PrimitiveOf, ReduceFn, UnaryFn, UnaryGradFn } from "./primitive.ts";

type DropoutPrimitive = PrimitiveOf<"dropout">;

/** The DSL ops over values of type `V` (tensors, or IR value ids). Result dims follow docs/API.md. */
export interface Emitter<V> {
  /** The dims of `value`, in storage order. */
  dims(value: V): readonly Dim[];
  /** A tensor of `value` everywhere. */
  full(dims: readonly Dim[], value: number): V;
  unary(fn: UnaryFn, x: V): V;
  /** Broadcast by name: a's dims, then b's dims a lacks. */
  binary(fn: BinaryFn, a: V, b: V): V;
  /** `fn(x, value)`, or `fn(value, x)` with `position` 0. (Values may be numbers themselves: IR ids are.) */
  scalar(fn: BinaryFn, x: V, value: number, position?: 0 | 1): V;
  where(cond: V, a: V, b: V): V;
  /** One or two inputs; every input dim not in `out` is summed. */
  einsum(inputs: readonly V[], out: readonly string[]): V;
  reduce(fn: ReduceFn, x: V, dims: readonly string[]): V;
  /** `(x - mean) / sqrt(var + epsilon)` over `dim` (dsl/ops/fused.ts). */
  normalize(x: V, dim: string, epsilon: number): V;
  /** The cotangent of x for `normalize(x, dim, epsilon)` given `g`, the cotangent of its result. */
  normalizeGrad(x: V, g: V, dim: string, epsilon: number): V;
  /** `g * fn'(x)`, element-wise: the cotangent of x for `unary(fn, x)`. */
  unaryGrad(fn: UnaryGradFn, x: V, g: V): V;
  /** `conv2d(x, kernel, spec)`: dims play the roles `spec` names; the result has x's dims with `spec.in` replaced by `spec.out`. */
  conv2d(x: V, kernel: V, spec: Conv2dSpec): V;
  rename(x: V, from: string, to: string): V;
  transpose(x: V, out: readonly string[]): V;
  splitDim(x: V, dim: string, into: readonly Dim[]): V;
  mergeDims(x: V, dims: readonly string[], into: string): V;
  slice(x: V, dim: string, start: number, stop: number): V;
  concat(inputs: readonly V[], dim: string): V;
  oneHot(ids: V, dim: Dim): V;
  /** A layout constraint (the identity on values). */
  relayout(x: V, rules: readonly LayoutRule[]): V;
  /**
   * A layout constraint that names no rules: `x` is to have the state that
   * `like` has (a forward value; the identity on values). The compiler reads
   * `like`'s state when it lowers, so a cotangent follows its primal's layout.
   */
  relayoutLike(x: V, like: V): V;
  /** `dropout(x, rate, { seed, name, step })` (dsl/ops/dropout.ts): the mask of that key over x's dims. */
  dropout(x: V, primitive: DropoutPrimitive, step: V | undefined): V;
}
