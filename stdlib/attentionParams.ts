/**
 * The parameters of attention: multi-head (every query head has its own key
 * and value head) and grouped-query (GQA, Ainslie et al. 2023; LLaMA 2 70B:
 * `kv_heads` key/value heads, each shared by `q_per_kv` query heads, so the
 * model has `kv_heads * q_per_kv` query heads). With named dims the groups need
 * no reshapes: a query's `[kv_heads q_per_kv d_head]` meets a key's `[kv_heads d_head]`
 * by name, and the scores get `q_per_kv` from the queries alone.
 */
import { randomNormal, type Tensor } from "meshtype";
import type { DimsWith } from "./dimsWith.ts";

/** Query, key, value and output projections of multi-head attention. */
export interface AttentionParams {
  readonly wq: Tensor<"d_model heads d_head">;
  readonly wk: Tensor<"d_model heads d_head">;
  readonly wv: Tensor<"d_model heads d_head">;
  readonly wo: Tensor<"heads d_head d_model">;
}

/** The projections of grouped-query attention: `kv_heads` key/value heads, `q_per_kv` query heads per key/value head. */
export interface GroupedQueryAttentionParams {
  readonly wq: Tensor<"d_model kv_heads q_per_kv d_head">;
  readonly wk: Tensor<"d_model kv_heads d_head">;
  readonly wv: Tensor<"d_model kv_heads d_head">;
  readonly wo: Tensor<"kv_heads q_per_kv d_head d_model">;
}

/**
 * Fresh attention parameters named `${prefix}.wq`, `.wk`, `.wv`, `.wo`, normal
 * with std `1/sqrt(fan in)` (`d_model` for q/k/v, `heads * d_head` for the output).
 *
 * @example
 * const attention = initAttentionParams(D, 0, "block0.attention");
 */
export function initAttentionParams(D: DimsWith<"d_model" | "heads" | "d_head">, seed: number, prefix: string): AttentionParams {
  const inStd = 1 / Math.sqrt(D.sizes.d_model);
  const outStd = 1 / Math.sqrt(D.sizes.heads * D.sizes.d_head);
  return {
    wq: randomNormal(D, "d_model heads d_head", { seed, name: `${prefix}.wq`, std: inStd }),
    wk: randomNormal(D, "d_model heads d_head", { seed, name: `${prefix}.wk`, std: inStd }),
    wv: randomNormal(D, "d_model heads d_head", { seed, name: `${prefix}.wv`, std: inStd }),
    wo: randomNormal(D, "heads d_head d_model", { seed, name: `${prefix}.wo`, std: outStd }),
  };
}

/**
 * Fresh grouped-query attention parameters named `${prefix}.wq`, `.wk`, `.wv`, `.wo`.
 *
 * @example
 * const attention = initGroupedQueryAttentionParams(D, 0, "layers.0.attention");
 */
export function initGroupedQueryAttentionParams(
  D: DimsWith<"d_model" | "kv_heads" | "q_per_kv" | "d_head">,
  seed: number,
  prefix: string,
): GroupedQueryAttentionParams {
  const inStd = 1 / Math.sqrt(D.sizes.d_model);
  const outStd = 1 / Math.sqrt(D.sizes.kv_heads * D.sizes.q_per_kv * D.sizes.d_head);
  return {
    wq: randomNormal(D, "d_model kv_heads q_per_kv d_head", { seed, name: `${prefix}.wq`, std: inStd }),
    wk: randomNormal(D, "d_model kv_heads d_head", { seed, name: `${prefix}.wk`, std: inStd }),
    wv: randomNormal(D, "d_model kv_heads d_head", { seed, name: `${prefix}.wv`, std: inStd }),
    wo: randomNormal(D, "kv_heads q_per_kv d_head d_model", { seed, name: `${prefix}.wo`, std: outStd }),
  };
}
