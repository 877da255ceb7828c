/**
 * Test support: a finite-difference check of reverse-mode gradients. For a
 * function of tensors f, a random output functional w and a random direction
 * v per input, compare <grad_x <f, w>, v> (from `grad`) with the central
 * difference (<f(x + eps v), w> - <f(x - eps v), w>) / 2 eps. Not exported
 * from the package.
 */
import { einsum } from "../ops/einsum.ts";
import { Tensor, type Dim } from "../tensor.ts";
import { grad } from "./grad.ts";
import { generator } from "../testSupport.ts";

type T = Tensor<string>;


/** Dims from `"a=2 b=3"`. */
export function dimsOf(spec: string): Dim[] {
  return spec.split(" ").filter((part) => part !== "").map((part) => {
    const [name, size] = part.split("=");
    return { name, size: Number(size) };
  });
}

/** How to draw a tensor's values: in [-1, 1) away from 0 (kinks), in [0.5, 1.5), or whole numbers in [0, n). */
export type Draw = "signed" | "positive" | { readonly integers: number } | { readonly values: readonly number[] };

/** A random tensor with dims `"a=2 b=3"`. */
export function randomTensor(spec: string, next: () => number, draw: Draw = "signed"): T {
  const dims = dimsOf(spec);
  const count = dims.reduce((product, dim) => product * dim.size, 1);
  const value = (index: number): number => {
    if (draw === "signed") return (next() < 0.5 ? -1 : 1) * (0.1 + 0.9 * next());
    if (draw === "positive") return 0.5 + next();
    if ("integers" in draw) return Math.floor(next() * draw.integers);
    return draw.values[index % draw.values.length];
  };
  return new Tensor(dims, Float32Array.from({ length: count }, (_, index) => value(index)));
}

/** One gradient check: inputs, which of them are differentiated, and the function. */
export interface GradCase {
  readonly name: string;
  readonly inputs: readonly T[];
  /** Indices of inputs that get no gradient (ids, conditions); default none. */
  readonly constant?: readonly number[];
  readonly fn: (inputs: readonly T[]) => T;
}

/** Per differentiated input: the analytic and the finite-difference directional derivative. */
export interface GradCheckRow {
  readonly input: number;
  readonly analytic: number;
  readonly numeric: number;
}

function dot(a: T, b: T): number {
  let total = 0;
  for (let index = 0; index < a.data.length; index++) total += a.data[index] * b.data[index];
  return total;
}

function shifted(x: T, direction: T, step: number): T {
  return new Tensor(x.dims, x.data.map((value, index) => value + step * direction.data[index]));
}

/** Run the check of `testCase` with random functional and directions from `seed`. */
export function checkGradient(testCase: GradCase, seed = 7, eps = 1e-2): GradCheckRow[] {
  const next = generator(seed);
  const constant = new Set(testCase.constant ?? []);
  const probe = testCase.fn(testCase.inputs);
  const weights = new Tensor(probe.dims, Float32Array.from({ length: probe.data.length }, () => next() * 2 - 1));
  const positions = testCase.inputs.map((_, index) => index).filter((index) => !constant.has(index));
  const withParams = (params: readonly T[]): T[] => testCase.inputs.map((input, index) => (constant.has(index) ? input : params[positions.indexOf(index)]));
  const loss = (params: readonly T[]): Tensor<""> => einsum(testCase.fn(withParams(params)), weights, "");
  const params = positions.map((index) => testCase.inputs[index]);
  const gradients = grad(loss)(params);
  return positions.map((input, slot) => {
    const direction = new Tensor(params[slot].dims, Float32Array.from({ length: params[slot].data.length }, () => next() * 2 - 1));
    const at = (step: number) => dot(testCase.fn(withParams(params.map((param, index) => (index === slot ? shifted(param, direction, step) : param)))), weights);
    return { input, analytic: dot(gradients[slot], direction), numeric: (at(eps) - at(-eps)) / (2 * eps) };
  });
}
