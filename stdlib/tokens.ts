/**
 * A token put in front of a sequence: a ViT's (or BERT's) class token, in one
 * line. The token has some of x's dims (usually just `d_model`); it is
 * broadcast over the rest (batch) and joined to x along `dim` as one more
 * position, first. The compiler sees a slice, a scale by 0, an add and a
 * concat: the token's gradient is the sum of the first position's
 * cotangent over the batch, as for any broadcast.
 */
import { add, concat, dimsOf, mul, slice, transpose, type HasDim, type Tensor } from "meshtype";

/**
 * x with `token` as a new first position along `dim` (the result has x's dims,
 * `dim` one longer: declare that length under another name in dims({...})
 * and `rename` to it when later layers need it). `token`'s dims must be
 * among x's, without `dim`; x must be finite (its first position is scaled by
 * 0 to shape the slot).
 *
 * @example
 * // patches: "batch patches d_model" (16 patches), classToken: "d_model"
 * const tokens = rename(prependToken(patches, params.classToken, "patches"), "patches", "tokens"); // tokens: 17
 */
export function prependToken<X extends HasDim<Dim>, Dim extends string>(x: Tensor<X>, token: Tensor<string>, dim: Dim): Tensor<X> {
  const h: Tensor<string> = x;
  const slot = add(mul(slice(h, dim, 0, 1), 0), token);
  // x's dims (one longer along `dim`, which the types do not track), restated from x's own dims string
  return transpose(concat([slot, h], dim), dimsOf(x));
}
