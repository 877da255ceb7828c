/**
 * `slice` (a range of one dim) and `concat` (tensors joined along one dim).
 */
import { Tensor } from "../tensor.ts";
import { recordOp } from "../autodiff/recorder.ts";
import { readDimName, requireDim, resultLabel, whatOf } from "./dimLists.ts";
import { concatDims, sliceDims } from "./shapeRules.ts";
import { offsetTable, rowMajorStrides } from "./strided.ts";
import type { ValidateDimOf } from "./types/checks.ts";
import type { ConcatDims, ValidateConcatDim } from "./types/indexing.ts";

/**
 * The elements of x with `start <= index < stop` along `dim` (0 <= start < stop <= size).
 *
 * @example
 * const prefix = slice(x, "seq", 0, 128);
 */
export function slice<X extends string, D extends string>(x: Tensor<X>, dim: ValidateDimOf<"slice", D, X>, start: number, stop: number): Tensor<X> {
  const dims = sliceDims(x.dims, dim, start, stop, whatOf(x));
  const index = requireDim("slice", x.dims, readDimName("slice", dim));
  const strides = rowMajorStrides(x.dims);
  const offsets = offsetTable(
    dims.map((entry) => entry.size),
    strides,
  );
  const base = start * strides[index];
  const source = x.data;
  const out = new Float32Array(offsets.length);
  for (let position = 0; position < out.length; position++) out[position] = source[base + offsets[position]];
  const result = new Tensor<X>(dims, out, resultLabel("slice", [x]));
  recordOp({ op: "slice", dim: x.dims[index].name, start, stop }, [x], result);
  return result;
}

/**
 * Join tensors along `dim`. All have the same dims in the same order, with the
 * same sizes except along `dim`; the result has the first one's dims.
 *
 * @example
 * const both = concat([left, right], "seq");
 */
export function concat<const Inputs extends readonly Tensor<string>[], D extends string>(
  inputs: Inputs,
  dim: ValidateConcatDim<D, Inputs>,
): Tensor<ConcatDims<Inputs>> {
  const dims = concatDims(
    inputs.map((input) => input.dims),
    dim,
    inputs.map(whatOf),
  );
  const index = requireDim("concat", dims, readDimName("concat", dim));
  const outStrides = rowMajorStrides(dims);
  const out = new Float32Array(dims.reduce((product, entry) => product * entry.size, 1));
  let start = 0;
  for (const input of inputs) {
    const offsets = offsetTable(input.shape, outStrides);
    const base = start * outStrides[index];
    const source = input.data;
    for (let position = 0; position < source.length; position++) out[base + offsets[position]] = source[position];
    start += input.dims[index].size;
  }
  const result: Tensor<ConcatDims<Inputs>> = new Tensor(dims, out, resultLabel("concat", inputs));
  recordOp({ op: "concat", dim: dims[index].name }, inputs, result);
  return result;
}
