/**
 * `einsum` over named dims: the output lists its dims; every other input dim
 * is summed. The kernel precomputes, per input, a table of offsets over the
 * output dims and one over the summed dims, so the inner loop is two table
 * reads and a multiply-add (no per-element allocation or string keys).
 */
import { Tensor, type Dim } from "../tensor.ts";
import { recordOp } from "../autodiff/recorder.ts";
import { resultLabel, whatOf } from "./dimLists.ts";
import { einsumDims, einsumSummedDims } from "./shapeRules.ts";
import { offsetsAlong, stridesAlong } from "./strided.ts";
import type { ValidateEinsumOut } from "./types/contraction.ts";
import type { Normalize } from "./types/dimTuples.ts";

/**
 * Einstein summation by dim name. `out` lists the result dims in order; each
 * must be a dim of an input, once. Input dims not in `out` are summed; dims
 * that share a name across inputs are multiplied along (and must share a size).
 * tsc rejects an output dim that is in no input, naming it.
 *
 * @example
 * const h = einsum(x, w_in, "batch seq d_ff");   // x: "batch seq d_model", w_in: "d_model d_ff"
 * const total = einsum(h, "batch");              // sum over seq and d_ff
 */
export function einsum<A extends string, Out extends string>(a: Tensor<A>, out: ValidateEinsumOut<Out, [A]>): Tensor<Normalize<Out>>;
export function einsum<A extends string, B extends string, Out extends string>(
  a: Tensor<A>,
  b: Tensor<B>,
  out: ValidateEinsumOut<Out, [A, B]>,
): Tensor<Normalize<Out>>;
export function einsum(a: Tensor<string>, second: Tensor<string> | string, third?: string): Tensor<string> {
  const inputs = typeof second === "string" ? [a] : [a, second];
  const out = typeof second === "string" ? second : (third ?? "");
  const outDims = einsumDims(
    inputs.map((input) => input.dims),
    out,
    inputs.map(whatOf),
  );
  const summed = einsumSummedDims(
    inputs.map((input) => input.dims),
    outDims.map((dim) => dim.name),
  );
  const result = new Float32Array(outDims.reduce((product, dim) => product * dim.size, 1));
  const label = resultLabel("einsum", inputs);
  if (inputs.length === 1) {
    sumContraction(a, outDims, summed, result);
  } else if (outDims.length > 0 && outDims[outDims.length - 1].size >= 8) {
    rowContraction(a, inputs[1], outDims, summed, result);
  } else {
    dotContraction(a, inputs[1], outDims, summed, result);
  }
  const output = new Tensor(outDims, result, label);
  recordOp({ op: "einsum" }, inputs, output);
  return output;
}

/** One input: a sum over the summed dims per output element. */
function sumContraction(a: Tensor<string>, outDims: readonly Dim[], summed: readonly Dim[], result: Float32Array): void {
  const outer = offsetsAlong(a, outDims);
  const inner = offsetsAlong(a, summed);
  const data = a.data;
  for (let position = 0; position < result.length; position++) {
    const base = outer[position];
    let total = 0;
    for (let index = 0; index < inner.length; index++) total += data[base + inner[index]];
    result[position] = total;
  }
}

/** Two inputs, one dot product per output element (best when the last output dim is short). */
function dotContraction(a: Tensor<string>, b: Tensor<string>, outDims: readonly Dim[], summed: readonly Dim[], result: Float32Array): void {
  const outerA = offsetsAlong(a, outDims);
  const outerB = offsetsAlong(b, outDims);
  const innerA = offsetsAlong(a, summed);
  const innerB = offsetsAlong(b, summed);
  const dataA = a.data;
  const dataB = b.data;
  const inner = innerA.length;
  for (let position = 0; position < result.length; position++) {
    const baseA = outerA[position];
    const baseB = outerB[position];
    let total = 0;
    for (let index = 0; index < inner; index++) total += dataA[baseA + innerA[index]] * dataB[baseB + innerB[index]];
    result[position] = total;
  }
}

/**
 * Two inputs, one output row (the last output dim) at a time: for each summed
 * index, add a scaled row into a float64 accumulator (the i-k-j matmul order,
 * which walks memory contiguously when the last output dim is an input's last dim).
 */
function rowContraction(a: Tensor<string>, b: Tensor<string>, outDims: readonly Dim[], summed: readonly Dim[], result: Float32Array): void {
  const rowDims = outDims.slice(0, -1);
  const last = outDims[outDims.length - 1];
  const width = last.size;
  const outerA = offsetsAlong(a, rowDims);
  const outerB = offsetsAlong(b, rowDims);
  const innerA = offsetsAlong(a, summed);
  const innerB = offsetsAlong(b, summed);
  const strideA = stridesAlong(a, [last])[0];
  const strideB = stridesAlong(b, [last])[0];
  const dataA = a.data;
  const dataB = b.data;
  const row = new Float64Array(width);
  for (let position = 0; position < outerA.length; position++) {
    row.fill(0);
    for (let index = 0; index < innerA.length; index++) {
      const offsetA = outerA[position] + innerA[index];
      const offsetB = outerB[position] + innerB[index];
      if (strideA === 0) {
        const scale = dataA[offsetA];
        for (let column = 0; column < width; column++) row[column] += scale * dataB[offsetB + column * strideB];
      } else if (strideB === 0) {
        const scale = dataB[offsetB];
        for (let column = 0; column < width; column++) row[column] += dataA[offsetA + column * strideA] * scale;
      } else {
        for (let column = 0; column < width; column++) row[column] += dataA[offsetA + column * strideA] * dataB[offsetB + column * strideB];
      }
    }
    result.set(row, position * width);
  }
}
