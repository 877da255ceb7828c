/**
 * Reductions over named dims (`sum max min mean logsumexp`) and the softmaxes.
 * Each reduction reads, per output element, a table of offsets over the
 * reduced dims; logsumexp and the softmaxes subtract the maximum first.
 */
import { Tensor } from "../tensor.ts";
import { recordOp } from "../autodiff/recorder.ts";
import type { ReduceFn } from "../autodiff/primitive.ts";
import { readDimList, readDimName, requireDim, resultLabel, whatOf } from "./dimLists.ts";
import { reduceDims, softmaxDims } from "./shapeRules.ts";
import { offsetsAlong } from "./strided.ts";
import type { HasDims, HasOneDim } from "../types/hasDims.ts";
import type { ValidateDimOf, ValidateDimsOf } from "./types/checks.ts";
import type { ReduceDims } from "./types/contraction.ts";

/**
 * A reduction over a space-separated list of x's dims; the result has x's other
 * dims, in x's order. With no list it reduces every dim (a scalar). The second
 * overload proves the listed dims from a generic constraint (`X extends HasDims<"d_model">`).
 */
export interface ReduceOp<Op extends string> {
  <X extends string>(x: Tensor<X>): Tensor<"">;
  <X extends string, L extends string>(x: Tensor<X & HasDims<NoInfer<L>>>, dims: L): Tensor<ReduceDims<X, L>>;
  <X extends string, L extends string>(x: Tensor<X>, dims: ValidateDimsOf<Op, L, X>): Tensor<ReduceDims<X, L>>;
}

/** Reduce one run of values: `read(k)` for k in [0, count). */
type Reducer = (data: Float32Array, base: number, offsets: Int32Array) => number;

function reduction<Op extends ReduceFn>(name: Op, reducer: Reducer): ReduceOp<Op> {
  return ((x: Tensor<string>, dims?: string): Tensor<string> => {
    if (dims === undefined && x.dims.length === 0) return x;
    const kept = reduceDims(x.dims, dims ?? x.names, whatOf(x), name);
    const reducedNames = dims === undefined ? x.names : readDimList(name, dims);
    const reduced = x.dims.filter((dim) => reducedNames.includes(dim.name));
    const outer = offsetsAlong(x, kept);
    const inner = offsetsAlong(x, reduced);
    const out = new Float32Array(outer.length);
    for (let position = 0; position < out.length; position++) out[position] = reducer(x.data, outer[position], inner);
    const result = new Tensor(kept, out, resultLabel(name, [x]));
    recordOp({ op: "reduce", fn: name, dims: reduced.map((dim) => dim.name) }, [x], result);
    return result;
  }) as ReduceOp<Op>;
}

function sumOf(data: Float32Array, base: number, offsets: Int32Array): number {
  let total = 0;
  for (let index = 0; index < offsets.length; index++) total += data[base + offsets[index]];
  return total;
}

function maxOf(data: Float32Array, base: number, offsets: Int32Array): number {
  let best = -Infinity;
  for (let index = 0; index < offsets.length; index++) {
    const value = data[base + offsets[index]];
    if (value > best || Number.isNaN(value)) best = value;
    if (Number.isNaN(best)) return best;
  }
  return best;
}

function minOf(data: Float32Array, base: number, offsets: Int32Array): number {
  let best = Infinity;
  for (let index = 0; index < offsets.length; index++) {
    const value = data[base + offsets[index]];
    if (value < best || Number.isNaN(value)) best = value;
    if (Number.isNaN(best)) return best;
  }
  return best;
}

/** `log(sum(exp(v)))` computed as `m + log(sum(exp(v - m)))` with m the maximum (exact for m = ±Infinity). */
function logSumExpOf(data: Float32Array, base: number, offsets: Int32Array): number {
  const top = maxOf(data, base, offsets);
  if (!Number.isFinite(top)) return top;
  let total = 0;
  for (let index = 0; index < offsets.length; index++) total += Math.exp(data[base + offsets[index]] - top);
  return top + Math.log(total);
}

/**
 * Sum over the listed dims (over every dim when none are listed).
 *
 * @example
 * const perExample = sum(loss, "seq");   // loss: "batch seq" -> "batch"
 * const total = sum(loss);               // -> ""
 */
export const sum: ReduceOp<"sum"> = reduction("sum", sumOf);
/** Maximum over the listed dims (NaN if any value is NaN). */
export const max: ReduceOp<"max"> = reduction("max", maxOf);
/** Minimum over the listed dims (NaN if any value is NaN). */
export const min: ReduceOp<"min"> = reduction("min", minOf);
/** Mean over the listed dims. */
export const mean: ReduceOp<"mean"> = reduction("mean", (data, base, offsets) => sumOf(data, base, offsets) / offsets.length);
/** `log(sum(exp(x)))` over the listed dims, numerically stable (the maximum is subtracted first). */
export const logsumexp: ReduceOp<"logsumexp"> = reduction("logsumexp", logSumExpOf);

/** A softmax over one dim of x; the result has x's dims. The first overload proves the dim from a generic constraint. */
export interface SoftmaxOp<Op extends string> {
  <X extends string, D extends string>(x: Tensor<X & HasOneDim<NoInfer<D>>>, dim: D): Tensor<X>;
  <X extends string, D extends string>(x: Tensor<X>, dim: ValidateDimOf<Op, D, X>): Tensor<X>;
}

function softmaxOver<Op extends "softmax" | "logSoftmax">(name: Op, takeLog: boolean): SoftmaxOp<Op> {
  return (<X extends string>(x: Tensor<X>, dim: string): Tensor<X> => {
    const index = requireDim(name, softmaxDims(x.dims, dim, whatOf(x), name), readDimName(name, dim));
    const along = [x.dims[index]];
    const others = x.dims.filter((_, position) => position !== index);
    const outer = offsetsAlong(x, others);
    const inner = offsetsAlong(x, along);
    const data = x.data;
    const out = new Float32Array(data.length);
    for (let position = 0; position < outer.length; position++) {
      const base = outer[position];
      const top = maxOf(data, base, inner);
      let total = 0;
      for (let index = 0; index < inner.length; index++) total += Math.exp(data[base + inner[index]] - top);
      const logTotal = Math.log(total);
      for (let index = 0; index < inner.length; index++) {
        const shifted = data[base + inner[index]] - top;
        out[base + inner[index]] = takeLog ? shifted - logTotal : Math.exp(shifted) / total;
      }
    }
    const result = new Tensor<X>(x.dims, out, resultLabel(name, [x]));
    recordOp({ op: "softmax", dim: x.dims[index].name, log: takeLog }, [x], result);
    return result;
  }) as SoftmaxOp<Op>;
}

/**
 * `exp(x) / sum(exp(x))` along `dim`, numerically stable (the maximum is subtracted first).
 *
 * @example
 * const probs = softmax(scores, "key");
 */
export const softmax: SoftmaxOp<"softmax"> = softmaxOver("softmax", false);
/** `x - logsumexp(x)` along `dim`, numerically stable. */
export const logSoftmax: SoftmaxOp<"logSoftmax"> = softmaxOver("logSoftmax", true);
