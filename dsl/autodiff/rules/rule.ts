/**
 * What a vector-Jacobian rule is: given an op (its primitive, inputs and
 * output) and the cotangent of its output, the cotangent of each input, made
 * with the ops of an `Emitter`. Also the shape helpers the rules share.
 */
import type { Dim } from "../../tensor.ts";
import type { Emitter } from "../emitter.ts";
import type { Primitive, PrimitiveKind, PrimitiveOf } from "../primitive.ts";

/** Everything a rule reads. */
export interface VjpArgs<V, P extends Primitive = Primitive> {
  readonly emit: Emitter<V>;
  readonly primitive: P;
  readonly inputs: readonly V[];
  readonly output: V;
  /** The cotangent of `output`: same dims, same order. */
  readonly cotangent: V;
  /** Which inputs need a cotangent (a rule may skip the others). */
  readonly wants: readonly boolean[];
}

/**
 * A vector-Jacobian rule: one cotangent per input, with exactly that input's
 * dims in its order, or undefined where there is none (ids, comparisons, or
 * an input nobody wants).
 */
export type VjpRule<P extends Primitive> = <V>(args: VjpArgs<V, P>) => readonly (V | undefined)[];

/** One rule per primitive kind. */
export type VjpRuleTable = { readonly [K in PrimitiveKind]: VjpRule<PrimitiveOf<K>> };

function sameNames(a: readonly Dim[], b: readonly Dim[]): boolean {
  return a.length === b.length && a.every((dim, index) => dim.name === b[index].name);
}

/**
 * `value` brought to exactly the dims `target`, in target's order: summed over
 * its dims that target lacks (the cotangent of a broadcast), broadcast over
 * target's dims it lacks (the cotangent of a sum), and reordered. One einsum
 * (with a tensor of ones for the broadcast dims), or `value` when it fits.
 */
export function reshapeTo<V>(emit: Emitter<V>, value: V, target: readonly Dim[]): V {
  const dims = emit.dims(value);
  if (sameNames(dims, target)) return value;
  const names = target.map((dim) => dim.name);
  const missing = target.filter((dim) => !dims.some((own) => own.name === dim.name));
  if (missing.length === 0) return emit.einsum([value], names);
  return emit.einsum([value, emit.full(missing, 1)], names);
}

/**
 * `sum(a * b)` over every dim that `target` lacks, laid out as `target`:
 * the cotangent of a product (einsum, mul) for the operand with dims `target`.
 */
export function contractTo<V>(emit: Emitter<V>, a: V, b: V, target: readonly Dim[]): V {
  const dimsA = emit.dims(a);
  const dimsB = emit.dims(b);
  if (sameNames(dimsA, target) && dimsB.every((dim) => dimsA.some((own) => own.name === dim.name))) return emit.binary("mul", a, b);
  const present = target.filter((dim) => dimsA.some((own) => own.name === dim.name) || dimsB.some((own) => own.name === dim.name));
  return reshapeTo(emit, emit.einsum([a, b], present.map((dim) => dim.name)), target);
}

/** Only the wanted entries of `cotangents` (the others become undefined). */
export function wanted<V>(wants: readonly boolean[], cotangents: readonly (() => V)[]): (V | undefined)[] {
  return cotangents.map((make, index) => (wants[index] ? make() : undefined));
}
