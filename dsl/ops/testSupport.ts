/**
 * Test support for the op tests: tensors from compact specs, naive by-name
 * element access, and fast-check arbitraries of named dims. Not exported from
 * the package.
 */
import fc from "fast-check";
import { Tensor, type Dim } from "../tensor.ts";

/** Dims from `"a=2 b=3"`. */
export function dimsOf(spec: string): Dim[] {
  return spec
    .split(" ")
    .filter((part) => part !== "")
    .map((part) => {
      const [name, size] = part.split("=");
      return { name, size: Number(size) };
    });
}

/** A tensor with dims `"a=2 b=3"` and the given data (default 0, 1, 2, ...). */
export function t(spec: string, data?: readonly number[], label?: string): Tensor<string> {
  const dims = dimsOf(spec);
  const count = dims.reduce((product, dim) => product * dim.size, 1);
  const values = data ? Float32Array.from(data) : Float32Array.from({ length: count }, (_, index) => index);
  return new Tensor(dims, values, label);
}

/** Every assignment of an index to each of `dims`, in row-major order. */
export function allIndices(dims: readonly Dim[]): Record<string, number>[] {
  let result: Record<string, number>[] = [{}];
  for (const dim of dims) {
    result = result.flatMap((index) => Array.from({ length: dim.size }, (_, value) => ({ ...index, [dim.name]: value })));
  }
  return result;
}

/** The element of `tensor` at the named index (extra names ignored), computed the slow way. */
export function at(tensor: Tensor<string>, index: Readonly<Record<string, number>>): number {
  let offset = 0;
  for (const dim of tensor.dims) offset = offset * dim.size + index[dim.name];
  return tensor.data[offset];
}

/** Dims as `"a=2 b=3"`. */
export function shapeOf(tensor: Tensor<string>): string {
  return tensor.dims.map((dim) => `${dim.name}=${dim.size}`).join(" ");
}

/** A pool of named dims with random sizes 1..4 (names from a random subset of a fixed list). */
export const dimPool: fc.Arbitrary<Dim[]> = fc
  .uniqueArray(fc.constantFrom("a", "b", "c", "d", "e", "f_1", "seq"), { minLength: 1, maxLength: 5 })
  .chain((names) => fc.tuple(...names.map((name) => fc.integer({ min: 1, max: 4 }).map((size) => ({ name, size })))));

/** Like `dimPool`, at most 4 dims, some of them long (8 or 9), to reach the kernels' paths for long rows. */
export const longDimPool: fc.Arbitrary<Dim[]> = fc
  .uniqueArray(fc.constantFrom("a", "b", "c", "d", "seq"), { minLength: 1, maxLength: 4 })
  .chain((names) => fc.tuple(...names.map((name) => fc.constantFrom(1, 2, 3, 8, 9).map((size) => ({ name, size })))));

/** A random subset of `pool` in random order. */
export function subsetOf(pool: readonly Dim[]): fc.Arbitrary<Dim[]> {
  return fc.shuffledSubarray([...pool]).chain((subset) => fc.shuffledSubarray(subset, { minLength: subset.length, maxLength: subset.length }));
}

/** A tensor with `dims` and random data in [-2, 2]. */
export function tensorWith(dims: readonly Dim[], label?: string): fc.Arbitrary<Tensor<string>> {
  const count = dims.reduce((product, dim) => product * dim.size, 1);
  return fc
    .array(fc.float({ min: -2, max: 2, noNaN: true, noDefaultInfinity: true }), { minLength: count, maxLength: count })
    .map((values) => new Tensor(dims, Float32Array.from(values), label));
}

/** `|actual - expected| <= tolerance * (1 + |expected|)` for every element. */
export function closeTo(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-5): boolean {
  if (actual.length !== expected.length) return false;
  for (let index = 0; index < actual.length; index++) {
    if (!(Math.abs(actual[index] - expected[index]) <= tolerance * (1 + Math.abs(expected[index])))) return false;
  }
  return true;
}

/** `text` typed as a wide `string`, so a test can pass a bad argument past tsc to reach the run-time check. */
export function untyped(text: string): string {
  return text;
}
