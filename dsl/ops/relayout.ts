/**
 * `relayout`: a layout constraint on one tensor for the compiler (like JAX's
 * `with_sharding_constraint`); eagerly the identity.
 */
import type { Tensor } from "../tensor.ts";
import { whatOf } from "./dimLists.ts";
import { relayoutRules } from "./shapeRules.ts";
import type { ValidateRelayout } from "./types/indexing.ts";

/**
 * Ask the compiler to lay x out as `spec` (`"dim:axis, ..."`, dims of x, one
 * dim per mesh axis; unlisted dims replicated) from here on. Returns x itself.
 *
 * @example
 * const h2 = relayout(h, "batch:data, d_ff:model");
 */
export function relayout<X extends string, Spec extends string>(x: Tensor<X>, spec: ValidateRelayout<Spec, X>): Tensor<X> {
  relayoutRules(x.dims, spec, whatOf(x));
  return x;
}
