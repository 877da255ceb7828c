/**
 * The rule of `dropout`: y = x * mask / (1 - rate), linear in x, so the
 * cotangent of x is the output cotangent through the same mask, i.e. dropout
 * of the cotangent with the same key (dsl/ops/dropout.ts: the mask depends
 * only on the key and the element's index, and the cotangent has x's dims in
 * x's order). The step of the key has no gradient.
 */
import type { PrimitiveOf } from "../primitive.ts";
import { wanted, type VjpRule } from "./rule.ts";

/** `y = dropout(x, rate, key)`. */
export const dropoutRule: VjpRule<PrimitiveOf<"dropout">> = ({ emit, primitive, inputs, cotangent, wants }) =>
  wanted(wants, [() => emit.dropout(cotangent, primitive, inputs[1])]);
