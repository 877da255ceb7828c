/**
 * A pre-norm transformer block (GPT-2): `x + attention(norm(x))`, then
 * `h + mlp(norm(h))`. Under the Megatron layout (`heads:model, d_ff:model`)
 * each residual add needs the sublayer's partial sum reduced: two all-reduces
 * of `batch seq d_model` per block.
 */
import { add, type HasDims, type Tensor } from "meshtype";
import { causalSelfAttention, initAttentionParams, type AttentionParams } from "./attention.ts";
import type { DimsWith } from "./dimsWith.ts";
import { initLayerNormParams, LAYER_NORM_EPSILON, layerNorm, type LayerNormParams } from "./layerNorm.ts";
import { initMlpParams, mlp, type MlpParams } from "./mlp.ts";

/** The parameters of one transformer block. */
export interface TransformerBlockParams {
  readonly attentionNorm: LayerNormParams;
  readonly attention: AttentionParams;
  readonly mlpNorm: LayerNormParams;
  readonly mlp: MlpParams;
}

/**
 * One pre-norm block with causal self-attention over `seq` and a GELU MLP,
 * generic over x's other dims (every sublayer keeps them, so the residual adds do).
 *
 * @example
 * for (let i = 0; i < LAYERS; i++) x = transformerBlock(D, x, params.layers[i]);
 */
export function transformerBlock<X extends HasDims<"seq d_model">>(
  D: DimsWith<"seq" | "kv_seq" | "d_head">,
  x: Tensor<X>,
  params: TransformerBlockParams,
): Tensor<X> {
  const afterAttention = add(x, causalSelfAttention(D, layerNorm(x, params.attentionNorm, LAYER_NORM_EPSILON), params.attention));
  return add(afterAttention, mlp(layerNorm(afterAttention, params.mlpNorm, LAYER_NORM_EPSILON), params.mlp));
}

/**
 * Fresh block parameters, every tensor named under `prefix` (e.g. `layers.0.attention.wq`).
 *
 * @example
 * const layers = [0, 1].map((i) => initTransformerBlockParams(D, 0, `layers.${i}`));
 */
export function initTransformerBlockParams(
  D: DimsWith<"d_model" | "d_ff" | "heads" | "d_head">,
  seed: number,
  prefix: string,
): TransformerBlockParams {
  return {
    attentionNorm: initLayerNormParams(D, seed, `${prefix}.attentionNorm`),
    attention: initAttentionParams(D, seed, `${prefix}.attention`),
    mlpNorm: initLayerNormParams(D, seed, `${prefix}.mlpNorm`),
    mlp: initMlpParams(D, seed, `${prefix}.mlp`),
  };
}
