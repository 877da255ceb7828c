/**
 * Fused ops: a normalization over one dim (the core of a layer norm, without
 * its scale and bias), and the backward ops the autodiff rules emit for it and
 * for GELU, each one op that the torch back end runs as one of torch's fused
 * kernels (`native_layer_norm`, `native_layer_norm_backward`, `gelu_backward`).
 * Each computes its statistics in float64 per row and rounds once to float32.
 */
import { Tensor } from "../tensor.ts";
import { recordOp } from "../autodiff/recorder.ts";
import { readDimName, requireDim, resultLabel, whatOf } from "./dimLists.ts";
import { cotangentDims, softmaxDims } from "./shapeRules.ts";
import { offsetsAlong, viewData } from "./strided.ts";
import type { HasOneDim } from "../types/hasDims.ts";
import type { ValidateDimOf } from "./types/checks.ts";

/** A normalization over one dim of x; the result has x's dims. The first overload proves the dim from a generic constraint. */
export interface NormalizeOp {
  <X extends string, D extends string>(x: Tensor<X & HasOneDim<NoInfer<D>>>, dim: D, epsilon: number): Tensor<X>;
  <X extends string, D extends string>(x: Tensor<X>, dim: ValidateDimOf<"normalize", D, X>, epsilon: number): Tensor<X>;
}

/** The backward of `normalize`: x, the cotangent of its result (x's dims), the same dim and epsilon. */
export interface NormalizeGradOp {
  <X extends string, D extends string>(x: Tensor<X & HasOneDim<NoInfer<D>>>, cotangent: Tensor<X>, dim: D, epsilon: number): Tensor<X>;
  <X extends string, D extends string>(x: Tensor<X>, cotangent: Tensor<X>, dim: ValidateDimOf<"normalizeGrad", D, X>, epsilon: number): Tensor<X>;
}

/** Per row along `dim`: the mean and `1 / sqrt(var + epsilon)` (biased variance), in float64. */
function rowStatistics(data: Float32Array, base: number, inner: Int32Array, epsilon: number): { mean: number; rstd: number } {
  let total = 0;
  for (let index = 0; index < inner.length; index++) total += data[base + inner[index]];
  const mean = total / inner.length;
  let squares = 0;
  for (let index = 0; index < inner.length; index++) {
    const centered = data[base + inner[index]] - mean;
    squares += centered * centered;
  }
  return { mean, rstd: 1 / Math.sqrt(squares / inner.length + epsilon) };
}

/** The offsets of the rows (every dim but `dim`) and along `dim` of a tensor with x's dims. */
function rows(x: Tensor<string>, index: number): { outer: Int32Array; inner: Int32Array } {
  return { outer: offsetsAlong(x, x.dims.filter((_, position) => position !== index)), inner: offsetsAlong(x, [x.dims[index]]) };
}

/**
 * `(x - mean(x, dim)) / sqrt(var(x, dim) + epsilon)`, with the biased variance: a layer norm without its scale and
 * bias (`torch.native_layer_norm` with no weight). stdlib's `layerNorm` scales and shifts it.
 *
 * @example
 * const normalized = normalize(x, "d_model", 1e-5); // x: "batch seq d_model" -> same
 */
export const normalize: NormalizeOp = (<X extends string>(x: Tensor<X>, dim: string, epsilon: number): Tensor<X> => {
  const index = requireDim("normalize", softmaxDims(x.dims, dim, whatOf(x), "normalize"), readDimName("normalize", dim));
  const { outer, inner } = rows(x, index);
  const out = new Float32Array(x.data.length);
  for (let row = 0; row < outer.length; row++) {
    const base = outer[row];
    const { mean, rstd } = rowStatistics(x.data, base, inner, epsilon);
    for (let k = 0; k < inner.length; k++) out[base + inner[k]] = (x.data[base + inner[k]] - mean) * rstd;
  }
  const result = new Tensor<X>(x.dims, out, resultLabel("normalize", [x]));
  recordOp({ op: "normalize", dim: x.dims[index].name, epsilon }, [x], result);
  return result;
}) as NormalizeOp;

/**
 * The cotangent of x for `y = normalize(x, dim, epsilon)` given the cotangent `g` of y:
 * `rstd (g - mean(g) - y mean(g y))` along dim, with y and rstd recomputed from x
 * (what `torch.ops.aten.native_layer_norm_backward` computes). The result has x's dims.
 *
 * @example
 * const dx = normalizeGrad(x, dy, "d_model", 1e-5);
 */
export const normalizeGrad: NormalizeGradOp = (<X extends string>(x: Tensor<X>, cotangent: Tensor<X>, dim: string, epsilon: number): Tensor<X> => {
  const index = requireDim("normalizeGrad", softmaxDims(x.dims, dim, whatOf(x), "normalizeGrad"), readDimName("normalizeGrad", dim));
  cotangentDims(x.dims, cotangent.dims, [whatOf(x), `cotangent ${whatOf(cotangent)}`], "normalizeGrad");
  const g = viewData(cotangent, x.dims);
  const { outer, inner } = rows(x, index);
  const out = new Float32Array(x.data.length);
  const count = inner.length;
  for (let row = 0; row < outer.length; row++) {
    const base = outer[row];
    const { mean, rstd } = rowStatistics(x.data, base, inner, epsilon);
    let gTotal = 0;
    let gyTotal = 0;
    for (let k = 0; k < count; k++) {
      const at = base + inner[k];
      gTotal += g[at];
      gyTotal += g[at] * (x.data[at] - mean) * rstd;
    }
    const [gMean, gyMean] = [gTotal / count, gyTotal / count];
    for (let k = 0; k < count; k++) {
      const at = base + inner[k];
      out[at] = rstd * (g[at] - gMean - (x.data[at] - mean) * rstd * gyMean);
    }
  }
  const result = new Tensor<X>(x.dims, out, resultLabel("normalizeGrad", [x, cotangent]));
  recordOp({ op: "normalizeGrad", dim: x.dims[index].name, epsilon }, [x, cotangent], result);
  return result;
}) as NormalizeGradOp;

const geluScale = Math.sqrt(2 / Math.PI);
const geluCubic = 0.044715;

/** The derivative of GELU (tanh form, dsl/ops/unary.ts) at v. */
function geluSlopeAt(v: number): number {
  const t = Math.tanh(geluScale * (v + geluCubic * v * v * v));
  return 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * geluScale * (1 + 3 * geluCubic * v * v);
}

/**
 * `cotangent * gelu'(x)`, element-wise: the cotangent of x for `y = gelu(x)` (tanh form) given the cotangent of y
 * (what `torch.ops.aten.gelu_backward(g, x, approximate="tanh")` computes). The result has x's dims.
 *
 * @example
 * const dx = geluGrad(x, dy);
 */
export function geluGrad<X extends string>(x: Tensor<X>, cotangent: Tensor<X>): Tensor<X> {
  cotangentDims(x.dims, cotangent.dims, [whatOf(x), `cotangent ${whatOf(cotangent)}`], "geluGrad");
  const g = viewData(cotangent, x.dims);
  const out = new Float32Array(x.data.length);
  for (let index = 0; index < out.length; index++) out[index] = g[index] * geluSlopeAt(x.data[index]);
  const result = new Tensor<X>(x.dims, out, resultLabel("geluGrad", [x, cotangent]));
  recordOp({ op: "unaryGrad", fn: "gelu" }, [x, cotangent], result);
  return result;
}
