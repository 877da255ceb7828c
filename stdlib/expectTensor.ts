/**
 * Test helpers for the stdlib and examples: compare a tensor's data with
 * hand-computed values.
 */
import { expect } from "vitest";
import type { Tensor } from "meshtype";

/**
 * Expect `actual`'s dims to be `names` (in order) and its data to equal
 * `expected` element by element within `tolerance`.
 *
 * @example
 * expectTensor(y, "batch seq d_model", [0.5, 1.5], 1e-6);
 */
export function expectTensor(actual: Tensor<string>, names: string, expected: readonly number[], tolerance: number): void {
  expect(actual.names.join(" ")).toBe(names);
  expect(actual.data.length).toBe(expected.length);
  const worst = expected.reduce((max, value, index) => Math.max(max, Math.abs(actual.data[index] - value)), 0);
  if (worst > tolerance) expect(Array.from(actual.data)).toEqual(expected); // shows the whole diff
}

/** Every element is a finite number (no NaN, no infinity). */
export function expectFinite(actual: Tensor<string>): void {
  const bad = Array.from(actual.data).findIndex((value) => !Number.isFinite(value));
  expect(bad, `element ${bad} of ${actual.toString()} is ${actual.data[bad]}`).toBe(-1);
}
