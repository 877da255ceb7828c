/**
 * Rotary position embeddings (RoPE, Su et al. 2021), as in GPT-NeoX and
 * LLaMA: the two halves of each head's `d_head` features are rotated by
 * position-dependent angles, `x * cos + rotateHalf(x) * sin`, with frequency
 * `base^(-2i / d_head)` for the i-th pair. The tables are computed in the model
 * (iota, exp, cos, sin: no constants to pass in) over the sequence dim the call
 * names, so queries over `seq` and keys over `kv_seq` get the same positions.
 */
import {
  add, alignAs, concat, cos, dims, exp, iota, mergeDims, mul, neg, sin, slice, splitDim,
  type Dims, type HasDim, type HasDims, type Tensor,
} from "meshtype";
import type { DimsWith } from "./dimsWith.ts";

/** The usual base of RoPE's frequencies (RoFormer, LLaMA). */
export const ROPE_BASE = 10000;

/** RoPE's settings. */
export interface RopeOptions {
  /** The frequency base (10000 in LLaMA 1 and 2). */
  readonly base: number;
}

/**
 * The cosines and sines of the angles `position * base^(-2i / d_head)`, over
 * `[seq, rope_freq]` (`rope_freq` has d_head / 2 entries): plain tensors.
 */
function ropeTables(D: Dims, seq: string, base: number): { readonly cos: Tensor<string>; readonly sin: Tensor<string> } {
  const half = D.sizes.d_head / 2;
  const frequencies = exp(mul(iota(dims({ rope_freq: half }), "rope_freq"), (-2 * Math.log(base)) / D.sizes.d_head));
  const positions: Tensor<string> = iota(D, seq);
  const angles = mul.outer(positions, frequencies);
  return { cos: cos(angles), sin: sin(angles) };
}

/**
 * x with its `d_head` features rotated by position along `seq`: features
 * `[0, d_head/2)` and `[d_head/2, d_head)` form the pairs (the "rotate half"
 * layout of GPT-NeoX and Hugging Face LLaMA). x keeps its dims; d_head must be even.
 *
 * @example
 * const q = rotaryEmbedding(D, queries, "seq");  // queries: "batch seq heads d_head" -> same
 * const k = rotaryEmbedding(D, keys, "kv_seq");
 */
export function rotaryEmbedding<Seq extends string, X extends HasDim<Seq> & HasDims<"d_head">>(
  D: DimsWith<Seq | "d_head">,
  x: Tensor<X>,
  seq: Seq,
  options: RopeOptions = { base: ROPE_BASE },
): Tensor<X> {
  return alignAs(rotateByPosition(D, x, seq, options), x);
}

/** `rotaryEmbedding` on a plain tensor (what attention's body holds): x's dims, in x's order. */
export function rotateByPosition(D: Dims, x: Tensor<string>, seq: string, options: RopeOptions): Tensor<string> {
  const tables = ropeTables(D, seq, options.base);
  const pairs = splitDim(x, "d_head", "rope_half rope_freq", { rope_half: 2 });
  const rotated = concat([neg(slice(pairs, "rope_half", 1, 2)), slice(pairs, "rope_half", 0, 1)], "rope_half");
  const turned = add(mul(pairs, tables.cos), mul(rotated, tables.sin));
  return mergeDims(turned, "rope_half rope_freq", "d_head");
}
