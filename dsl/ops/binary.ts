/**
 * Element-wise functions of two operands, broadcast by name: one operand's
 * dims are dims of the other, and the result has a's dims, then b's dims that
 * a lacks (`op.outer(a, b)` lifts the first condition). Either side may be a
 * number. Comparisons give 1 or 0. Also `where(cond, a, b)`.
 */
import { MeshtypeError } from "../errors.ts";
import { Tensor, type Dim } from "../tensor.ts";
import { recordOp } from "../autodiff/recorder.ts";
import type { BinaryFn } from "../autodiff/primitive.ts";
import { resultLabel, whatOf } from "./dimLists.ts";
import { binaryDims, broadcastDims, whereDims } from "./shapeRules.ts";
import { elementCount, offsetsAlong } from "./strided.ts";
import type { HasDims } from "../types/hasDims.ts";
import type { BroadcastDims, ReduceDims, ValidateBroadcast } from "./types/contraction.ts";

/**
 * A binary element-wise op, broadcast by name: one operand's dims must be dims
 * of the other (`add(x, bias)`: `batch seq d_model` with `d_model`); the result
 * has a's dims, then b's dims that a lacks. Either side may be a number.
 * Operands that each have a dim the other lacks are an outer product: write it
 * `op.outer(a, b)`. The overloads before the last prove, for code generic over
 * its dims (`X extends HasDims<"d_model">`), that the result keeps a's dims:
 * b has a's dims, or is a reduction of a, or has only dims a's constraint names.
 */
export interface BinaryOp<Op extends string = string> {
  <A extends string>(a: Tensor<A>, b: number): Tensor<A>;
  <B extends string>(a: number, b: Tensor<B>): Tensor<B>;
  <A extends string>(a: Tensor<A>, b: Tensor<NoInfer<A>>): Tensor<A>;
  <A extends string, L extends string = never>(a: Tensor<A>, b: Tensor<ReduceDims<NoInfer<A>, L>>): Tensor<A>;
  <A extends string, B extends string>(a: Tensor<A & HasDims<NoInfer<B>>>, b: Tensor<B>): Tensor<A>;
  <A extends string, B extends string>(a: Tensor<A>, b: ValidateBroadcast<Op, A, B>): Tensor<BroadcastDims<A, B>>;
  /**
   * The outer form: any two tensors, broadcast by name over the dims they do
   * not share (a's dims, then b's dims that a lacks), like `numpy.multiply.outer`.
   *
   * @example
   * const angles = mul.outer(iota(D, "seq"), frequencies); // "seq" and "half" -> "seq half"
   */
  readonly outer: <A extends string, B extends string>(a: Tensor<A>, b: Tensor<B>) => Tensor<BroadcastDims<A, B>>;
}

/** The data of `operand` read at every position of the row-major loop over `dims` (a number reads as itself). */
function reader(operand: Tensor<string> | number, dims: readonly Dim[]): (position: number) => number {
  if (typeof operand === "number") return () => operand;
  const offsets = offsetsAlong(operand, dims);
  const data = operand.data;
  return (position) => data[offsets[position]];
}

/** Build a binary op from its scalar function. */
function binary<Op extends BinaryFn>(name: Op, fn: (left: number, right: number) => number): BinaryOp<Op> {
  function record(a: Tensor<string> | number, b: Tensor<string> | number, result: Tensor<string>): Tensor<string> {
    if (typeof a === "number") recordOp({ op: "binary", fn: name, scalar: { value: a, position: 0 } }, [b as Tensor<string>], result);
    else if (typeof b === "number") recordOp({ op: "binary", fn: name, scalar: { value: b, position: 1 } }, [a], result);
    else recordOp({ op: "binary", fn: name }, [a, b], result);
    return result;
  }
  function compute(a: Tensor<string> | number, b: Tensor<string> | number, outer: boolean): Tensor<string> {
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
    const what = [whatOf(a), whatOf(b)];
    const dims = outer ? broadcastDims(a.dims, b.dims, what, `${name}.outer`) : binaryDims(a.dims, b.dims, what, name);
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
  const apply = (a: Tensor<string> | number, b: Tensor<string> | number): Tensor<string> => record(a, b, compute(a, b, false));
  const outer = (a: Tensor<string>, b: Tensor<string>): Tensor<string> => record(a, b, compute(a, b, true));
  return Object.assign(apply, { outer }) as unknown as BinaryOp<Op>;
}

/** `a + b`. */
export const add: BinaryOp<"add"> = binary("add", (left, right) => left + right);
/** `a - b`. */
export const sub: BinaryOp<"sub"> = binary("sub", (left, right) => left - right);
/** `a * b`. */
export const mul: BinaryOp<"mul"> = binary("mul", (left, right) => left * right);
/** `a / b`. */
export const div: BinaryOp<"div"> = binary("div", (left, right) => left / right);
/** The larger of a and b (NaN if either is NaN). */
export const maximum: BinaryOp<"maximum"> = binary("maximum", Math.max);
/** The smaller of a and b (NaN if either is NaN). */
export const minimum: BinaryOp<"minimum"> = binary("minimum", Math.min);
/** `a ** b`. */
export const pow: BinaryOp<"pow"> = binary("pow", Math.pow);
/** 1 where `a < b`, else 0. */
export const less: BinaryOp<"less"> = binary("less", (left, right) => (left < right ? 1 : 0));
/** 1 where `a <= b`, else 0. */
export const lessEqual: BinaryOp<"lessEqual"> = binary("lessEqual", (left, right) => (left <= right ? 1 : 0));
/** 1 where `a > b`, else 0. */
export const greater: BinaryOp<"greater"> = binary("greater", (left, right) => (left > right ? 1 : 0));
/** 1 where `a >= b`, else 0. */
export const greaterEqual: BinaryOp<"greaterEqual"> = binary("greaterEqual", (left, right) => (left >= right ? 1 : 0));
/** 1 where `a == b`, else 0. */
export const equal: BinaryOp<"equal"> = binary("equal", (left, right) => (left === right ? 1 : 0));

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
