/**
 * Multi-head causal self-attention (Vaswani et al. 2017), Mesh-TF style: the
 * projections map `d_model` straight to `heads d_head`, so splitting `heads`
 * over a mesh axis (Megatron) keeps every head's work local and leaves one
 * partial sum, in the output projection. Keys and values live on `kv_seq`, a
 * second name for the sequence, so that `q · k` is an einsum over `d_head`
 * with both `seq` and `kv_seq` in the result.
 */
import { add, einsum, greaterEqual, iota, mul, ones, randomNormal, rename, rsqrt, softmax, sub, sum, type Tensor } from "meshtype";
import type { DimsWith } from "./dimsWith.ts";

/** Query, key, value and output projections. */
export interface AttentionParams {
  readonly wq: Tensor<"d_model heads d_head">;
  readonly wk: Tensor<"d_model heads d_head">;
  readonly wv: Tensor<"d_model heads d_head">;
  readonly wo: Tensor<"heads d_head d_model">;
}

/** What a masked score becomes: large enough that `exp` of it is exactly 0 in float32. */
export const MASKED_SCORE = -1e9;

/**
 * The additive causal mask: 0 where key position `kv_seq` <= query position
 * `seq` (the past and the present), `MASKED_SCORE` where it is in the future.
 *
 * @example
 * causalMask(dims({ seq: 3, kv_seq: 3 })).data; // [0, -1e9, -1e9,  0, 0, -1e9,  0, 0, 0]
 */
export function causalMask(D: DimsWith<"seq" | "kv_seq">): Tensor<"seq kv_seq"> {
  const visible = greaterEqual.outer(iota(D, "seq"), iota(D, "kv_seq")); // 1 for the past, 0 for the future
  return mul(sub(visible, 1), -MASKED_SCORE);
}

/**
 * Causal self-attention over `seq`: every position attends to itself and the
 * positions before it, per head, with scores scaled by `1/sqrt(d_head)`.
 *
 * @example
 * const y = causalSelfAttention(D, x, params.attention); // x: "batch seq d_model" -> same
 */
export function causalSelfAttention(
  D: DimsWith<"seq" | "kv_seq" | "d_head">,
  x: Tensor<"batch seq d_model">,
  params: AttentionParams,
): Tensor<"batch seq d_model"> {
  const q = einsum(x, params.wq, "batch seq heads d_head");
  const k = rename(einsum(x, params.wk, "batch seq heads d_head"), "seq", "kv_seq");
  const v = rename(einsum(x, params.wv, "batch seq heads d_head"), "seq", "kv_seq");
  // 1/sqrt(d_head) as a scalar tensor, so that the scale needs no arithmetic outside the DSL.
  const scale = rsqrt(sum(ones(D, "d_head"), "d_head"));
  const scores = add(mul(einsum(q, k, "batch heads seq kv_seq"), scale), causalMask(D));
  const weights = softmax(scores, "kv_seq");
  const context = einsum(weights, v, "batch seq heads d_head");
  return einsum(context, params.wo, "batch seq d_model");
}

/**
 * Fresh attention parameters named `${prefix}.wq`, `.wk`, `.wv`, `.wo`, normal
 * with std `1/sqrt(fan in)` (`d_model` for q/k/v, `heads * d_head` for the output).
 *
 * @example
 * const attention = initAttentionParams(D, 0, "block0.attention");
 */
export function initAttentionParams(
  D: DimsWith<"d_model" | "heads" | "d_head">,
  seed: number,
  prefix: string,
): AttentionParams {
  const inStd = 1 / Math.sqrt(D.sizes.d_model);
  const outStd = 1 / Math.sqrt(D.sizes.heads * D.sizes.d_head);
  return {
    wq: randomNormal(D, "d_model heads d_head", { seed, name: `${prefix}.wq`, std: inStd }),
    wk: randomNormal(D, "d_model heads d_head", { seed, name: `${prefix}.wk`, std: inStd }),
    wv: randomNormal(D, "d_model heads d_head", { seed, name: `${prefix}.wv`, std: inStd }),
    wo: randomNormal(D, "heads d_head d_model", { seed, name: `${prefix}.wo`, std: outStd }),
  };
}
