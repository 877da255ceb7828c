/**
 * The eager ops seen with plain string arguments. The DSL's types check dims
 * strings in the editor; code that reads dims from data at run time (the IR
 * interpreter, the eager side of autodiff) calls the same functions through
 * this one loose view, and the ops still check every string at run time.
 */
import type { Dims } from "../dims.ts";
import type { Tensor } from "../tensor.ts";
import * as ops from "./index.ts";
import type { Conv2dSpec } from "./shapeRulesConv.ts";

type T = Tensor<string>;

/** Every eager op, with dims as plain strings. Ops not listed are reached by name through `callOp`. */
export interface LooseOps {
  readonly [fn: string]: unknown;
  einsum(...args: (T | string)[]): T;
  where(cond: T, a: T, b: T): T;
  rename(x: T, from: string, to: string): T;
  transpose(x: T, perm: string): T;
  splitDim(x: T, dim: string, names: string, sizes: Readonly<Record<string, number>>): T;
  mergeDims(x: T, names: string, into: string): T;
  slice(x: T, dim: string, start: number, stop: number): T;
  concat(inputs: readonly T[], dim: string): T;
  oneHot(ids: T, dim: string, size: number): T;
  gather(table: T, ids: T, dim: string): T;
  conv2d(x: T, kernel: T, spec: Conv2dSpec): T;
  full(dims: Dims, spec: string, value: number): T;
  iota(dims: Dims, spec: string): T;
  tensor(dims: Dims, spec: string, data: Float32Array): T;
  randomNormal(dims: Dims, spec: string, options: { seed: number; name: string; std: number }): T;
  randomUniform(dims: Dims, spec: string, options: { seed: number; name: string; low: number; high: number }): T;
}

/** The eager ops module, typed loosely. */
export const looseOps = ops as unknown as LooseOps;

/**
 * The binary op `fn` of two tensors in its outer form (`add.outer(a, b)`): it
 * accepts every pair the plain form accepts, with the same result, and also
 * operands that each have a dim the other lacks (which the IR allows: the
 * user wrote the outer form).
 */
export function callBinary(fn: string, a: T, b: T): T {
  const op = looseOps[fn] as { outer?: (a: T, b: T) => T } | undefined;
  if (typeof op?.outer !== "function") throw new Error(`meshtype has no binary op "${fn}"`);
  return op.outer(a, b);
}

/** Call the eager op named `fn` (a unary or binary fn, a reduction, ...); an Error if there is none. */
export function callOp(fn: string, ...args: unknown[]): T {
  const op = looseOps[fn];
  if (typeof op !== "function") throw new Error(`meshtype has no eager op "${fn}"`);
  return (op as (...rest: unknown[]) => T)(...args);
}
