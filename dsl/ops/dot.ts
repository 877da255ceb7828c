/**
 * `dot`: a contraction that names only what it sums. Every other dim of the
 * two tensors is kept (batch dims, heads, ...), so a layer can contract its
 * feature dim without naming, or knowing, the dims around it: the form that
 * layers generic over their batch and sequence dims are written in (as in
 * Mesh-TensorFlow's `einsum` with `reduced_dims`, and Haliax's `dot`). It runs,
 * records and compiles as the `einsum` it stands for.
 */
import type { HasDims } from "../types/hasDims.ts";
import { Tensor } from "../tensor.ts";
import { whatOf } from "./dimLists.ts";
import { einsum } from "./einsum.ts";
import { contractDims, dotDims } from "./shapeRules.ts";
import type { ContractDims, DotDims, ValidateDot } from "./types/contraction.ts";

/**
 * `sum over the listed dims of a * b`, matched by name; both tensors must have
 * every listed dim. Dims in both that are not listed are matched (not summed),
 * as a batch matmul's batch. The result has a's dims with the summed ones
 * taken out and b's other dims put where a's first summed dim was. The first
 * overload proves the listed dims from a generic constraint (`X extends HasDims<"d_model">`).
 *
 * @example
 * const h = dot(x, w_in, "d_model");        // "batch seq d_model", "d_model d_ff" -> "batch seq d_ff"
 * const scores = dot(q, k, "d_head");       // "b s heads d_head", "b kv heads d_head" -> "b s heads kv"
 */
export function dot<A extends string, B extends string, L extends string>(
  a: Tensor<A & HasDims<NoInfer<L>>>,
  b: Tensor<B & HasDims<NoInfer<L>>>,
  sum: L,
): Tensor<DotDims<A, B, L>>;
export function dot<A extends string, B extends string, L extends string>(a: Tensor<A>, b: Tensor<B>, sum: ValidateDot<L, A, B>): Tensor<DotDims<A, B, L>>;
/**
 * `dot(a, b)` with no dims listed sums every dim both have (Mesh-TensorFlow's
 * default): the form of a projection whose weight names its input dim, as a
 * dense layer's `[d_model d_ff]` does. With no dim in common it is the outer product.
 *
 * @example
 * const h = dot(x, w_in); // "batch seq d_model", "d_model d_ff" -> "batch seq d_ff"
 */
export function dot<A extends string, B extends string>(a: Tensor<A>, b: Tensor<B>): Tensor<ContractDims<A, B>>;
export function dot(a: Tensor<string>, b: Tensor<string>, sum?: string): Tensor<string> {
  const out = sum === undefined ? contractDims(a.dims, b.dims, [whatOf(a), whatOf(b)]) : dotDims(a.dims, b.dims, sum, [whatOf(a), whatOf(b)]);
  return einsum(a, b, out.map((dim) => dim.name).join(" "));
}
