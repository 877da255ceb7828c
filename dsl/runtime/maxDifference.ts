/**
 * Comparing a compiled program's result with the eager one: the largest
 * absolute difference between two trees of tensors of the same shape.
 */
import { MeshtypeError } from "../errors.ts";
import { describeValue, isTensor } from "./checkArgs.ts";

function sameDims(actual: unknown, expected: unknown): boolean {
  if (!isTensor(actual) || !isTensor(expected)) return false;
  return actual.dims.length === expected.dims.length &&
    actual.dims.every((dim, index) => dim.name === expected.dims[index]?.name && dim.size === expected.dims[index]?.size);
}

/**
 * The largest `|actual - expected|` over every element of two trees of
 * tensors (a tensor, or objects and arrays of them: a program's result;
 * NaN when either holds a NaN: a NaN is never a match); throws a
 * "compare-shape" `MeshtypeError` naming the path where their trees or dims differ.
 *
 * @example
 * const eager = mlp2d(x, params);
 * const { result } = await runSharded(compiled, compiledMeta, x, params);
 * maxDifference(result, eager); // 0 or a rounding error such as 2.4e-7
 */
export function maxDifference(actual: unknown, expected: unknown, path = "result"): number {
  if (isTensor(expected)) {
    if (!sameDims(actual, expected)) {
      throw new MeshtypeError("compare-shape", `maxDifference: ${path} is ${describeValue(actual)}, but the expected value is ${describeValue(expected)}.`);
    }
    const data = (actual as typeof expected).data;
    let worst = 0;
    for (let index = 0; index < expected.data.length; index++) {
      const a = data[index] ?? Number.NaN;
      const b = expected.data[index] ?? Number.NaN;
      const difference = Math.abs(a - b);
      if (Number.isNaN(difference)) return Number.NaN;
      worst = Math.max(worst, difference);
    }
    return worst;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) {
      throw new MeshtypeError("compare-shape", `maxDifference: ${path} is ${describeValue(actual)}, but the expected value is ${describeValue(expected)}.`);
    }
    return Math.max(0, ...expected.map((item: unknown, index) => maxDifference((actual as readonly unknown[])[index], item, `${path}[${index}]`)));
  }
  if (typeof expected !== "object" || expected === null) {
    throw new MeshtypeError("compare-shape", `maxDifference: the expected value at ${path} is ${describeValue(expected)}, not a tensor or a tree of tensors.`);
  }
  const fields = expected as Readonly<Record<string, unknown>>;
  if (typeof actual !== "object" || actual === null || Array.isArray(actual) || isTensor(actual)) {
    throw new MeshtypeError("compare-shape", `maxDifference: ${path} is ${describeValue(actual)}, but the expected value is an object.`);
  }
  const record = actual as Readonly<Record<string, unknown>>;
  return Math.max(0, ...Object.keys(fields).map((field) => {
    const item = record[field];
    if (item === undefined) throw new MeshtypeError("compare-shape", `maxDifference: ${path}.${field} is missing.`);
    return maxDifference(item, fields[field] ?? [], `${path}.${field}`);
  }));
}
