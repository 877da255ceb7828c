/**
 * `einsum` over named dims: the output lists its dims; every other input dim
 * is summed. The kernel precomputes, per input, a table of offsets over the
 * output dims and one over the summed dims, so the inner loop is two table
 * reads and a multiply-add (no per-element allocation or string keys).
 */
import { Tensor } from "../tensor.ts";
import { resultLabel, whatOf } from "./dimLists.ts";
import { einsumDims, einsumSummedDims } from "./shapeRules.ts";
import { offsetsAlong } from "./strided.ts";
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
  const outerA = offsetsAlong(a, outDims);
  const innerA = offsetsAlong(a, summed);
  const dataA = a.data;
  const inner = innerA.length;
  if (inputs.length === 1) {
    for (let position = 0; position < result.length; position++) {
      const base = outerA[position];
      let total = 0;
      for (let index = 0; index < inner; index++) total += dataA[base + innerA[index]];
      result[position] = total;
    }
    return new Tensor(outDims, result, label);
  }
  const b = inputs[1];
  const outerB = offsetsAlong(b, outDims);
  const innerB = offsetsAlong(b, summed);
  const dataB = b.data;
  for (let position = 0; position < result.length; position++) {
    const baseA = outerA[position];
    const baseB = outerB[position];
    let total = 0;
    for (let index = 0; index < inner; index++) total += dataA[baseA + innerA[index]] * dataB[baseB + innerB[index]];
    result[position] = total;
  }
  return new Tensor(outDims, result, label);
}
