/**
 * Element-wise functions of two operands, broadcast by name: the result has
 * a's dims, then b's dims that a lacks. Either side may be a number.
 * Comparisons give 1 or 0. Also `where(cond, a, b)`.
 */
import { MeshtypeError } from "../errors.ts";
import { Tensor, type Dim } from "../tensor.ts";
import { recordOp } from "../autodiff/recorder.ts";
import type { BinaryFn } from "../autodiff/primitive.ts";
import { resultLabel, whatOf } from "./dimLists.ts";
import { broadcastDims, whereDims } from "./shapeRules.ts";
import { elementCount, offsetsAlong } from "./strided.ts";
import type { BroadcastDims } from "./types/contraction.ts";

/** A binary element-wise op: tensor with tensor (broadcast by name), or with a number on either side. */
export interface BinaryOp {
  <A extends string, B extends string>(a: Tensor<A>, b: Tensor<B>): Tensor<BroadcastDims<A, B>>;
  <A extends string>(a: Tensor<A>, b: number): Tensor<A>;
  <B extends string>(a: number, b: Tensor<B>): Tensor<B>;
}

/** The data of `operand` read at every position of the row-major loop over `dims` (a number reads as itself). */
function reader(operand: Tensor<string> | number, dims: readonly Dim[]): (position: number) => number {
  if (typeof operand === "number") return () => operand;
  const offsets = offsetsAlong(operand, dims);
  const data = operand.data;
  return (position) => data[offsets[position]];
}

/** Build a binary op from its scalar function. */
function binary(name: BinaryFn, fn: (left: number, right: number) => number): BinaryOp {
  function apply(a: Tensor<string> | number, b: Tensor<string> | number): Tensor<string> {
    const result = compute(a, b);
    if (typeof a === "number") recordOp({ op: "binary", fn: name, scalar: { value: a, position: 0 } }, [b as Tensor<string>], result);
    else if (typeof b === "number") recordOp({ op: "binary", fn: name, scalar: { value: b, position: 1 } }, [a], result);
    else recordOp({ op: "binary", fn: name }, [a, b], result);
    return result;
  }
  function compute(a: Tensor<string> | number, b: Tensor<string> | number): Tensor<string> {
    if (typeof a === "number" && typeof b === "number") {
      throw new MeshtypeError("bad-option", `${name}(${a}, ${b}): at least one operand must be a tensor. Compute plain numbers with JavaScript arithmetic.`);
    }
    const label = resultLabel(name, [a, b]);
    if (typeof a === "number" || typeof b === "number") {
      const tensor = typeof a === "number" ? (b as Tensor<string>) : a;
      const source = tensor.data;
      const out = new Float32Array(source.length);
      if (typeof a === "number") for (let index = 0; index < out.length; index++) out[index] = fn(a, source[index]);
      else if (typeof b === "number") for (let index = 0; index < out.length; index++) out[index] = fn(source[index], b);
      return new Tensor(tensor.dims, out, label);
    }
    const dims = broadcastDims(a.dims, b.dims, [whatOf(a), whatOf(b)], name);
    const out = new Float32Array(elementCount(dims));
    const dataA = a.data;
    const dataB = b.data;
    const aligned = (tensor: Tensor<string>) => tensor.dims.length === dims.length && tensor.dims.every((dim, axis) => dim.name === dims[axis].name);
    if (aligned(a) && aligned(b)) {
      for (let position = 0; position < out.length; position++) out[position] = fn(dataA[position], dataB[position]);
      return new Tensor(dims, out, label);
    }
    // a's dims lead the result, so a's element for position p is p / (size of b's new dims).
    const repeat = out.length / dataA.length;
    const offsetsB = offsetsAlong(b, dims);
    let position = 0;
    for (let outer = 0; outer < dataA.length; outer++) {
      const left = dataA[outer];
      for (let inner = 0; inner < repeat; inner++, position++) out[position] = fn(left, dataB[offsetsB[position]]);
    }
    return new Tensor(dims, out, label);
  }
  return apply as BinaryOp;
}

/** `a + b`. */
export const add: BinaryOp = binary("add", (left, right) => left + right);
/** `a - b`. */
export const sub: BinaryOp = binary("sub", (left, right) => left - right);
/** `a * b`. */
export const mul: BinaryOp = binary("mul", (left, right) => left * right);
/** `a / b`. */
export const div: BinaryOp = binary("div", (left, right) => left / right);
/** The larger of a and b (NaN if either is NaN). */
export const maximum: BinaryOp = binary("maximum", Math.max);
/** The smaller of a and b (NaN if either is NaN). */
export const minimum: BinaryOp = binary("minimum", Math.min);
/** `a ** b`. */
export const pow: BinaryOp = binary("pow", Math.pow);
/** 1 where `a < b`, else 0. */
export const less: BinaryOp = binary("less", (left, right) => (left < right ? 1 : 0));
/** 1 where `a <= b`, else 0. */
export const lessEqual: BinaryOp = binary("lessEqual", (left, right) => (left <= right ? 1 : 0));
/** 1 where `a > b`, else 0. */
export const greater: BinaryOp = binary("greater", (left, right) => (left > right ? 1 : 0));
/** 1 where `a >= b`, else 0. */
export const greaterEqual: BinaryOp = binary("greaterEqual", (left, right) => (left >= right ? 1 : 0));
/** 1 where `a == b`, else 0. */
export const equal: BinaryOp = binary("equal", (left, right) => (left === right ? 1 : 0));

/** The dims string of an operand: a tensor's, or `""` for a number. */
export type OperandDims<T> = T extends Tensor<infer S> ? S : "";

/**
 * `a` where `cond` is non-zero, else `b`; a and b may be numbers. Result dims:
 * `broadcast(broadcast(a, b), cond)`.
 *
 * @example
 * const masked = where(mask, scores, -1e9); // mask: "seq key", scores: "batch heads seq key"
 */
export function where<C extends string, A extends Tensor<string> | number, B extends Tensor<string> | number>(
  cond: Tensor<C>,
  a: A,
  b: B,
): Tensor<BroadcastDims<BroadcastDims<OperandDims<A>, OperandDims<B>>, C>> {
  const dimsOf = (operand: Tensor<string> | number): readonly Dim[] => (typeof operand === "number" ? [] : operand.dims);
  const whatOfOperand = (operand: Tensor<string> | number, role: string): string => (typeof operand === "number" ? `${role} ${operand}` : whatOf(operand));
  const dims = whereDims(cond.dims, dimsOf(a), dimsOf(b), [whatOf(cond), whatOfOperand(a, "a"), whatOfOperand(b, "b")]);
  const readCond = reader(cond, dims);
  const readA = reader(a, dims);
  const readB = reader(b, dims);
  const out = new Float32Array(elementCount(dims));
  for (let position = 0; position < out.length; position++) out[position] = readCond(position) !== 0 ? readA(position) : readB(position);
  const result: Tensor<BroadcastDims<BroadcastDims<OperandDims<A>, OperandDims<B>>, C>> = new Tensor(dims, out, resultLabel("where", [cond, a, b]));
  const asTensor = (operand: Tensor<string> | number): Tensor<string> => (typeof operand === "number" ? new Tensor([], Float32Array.of(operand)) : operand);
  recordOp({ op: "where" }, [cond, asTensor(a), asTensor(b)], result);
  return result;
}
