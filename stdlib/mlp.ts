/**
 * The transformer feed-forward block: d_model -> d_ff -> d_model with a GELU
 * in between (GPT-2). Under the Megatron layout `d_ff:model` the first einsum
 * is local and the second leaves a partial sum: one all-reduce per call.
 */
import { gelu, type Tensor } from "meshtype";
import { dense, initDenseParams, type DenseParams } from "./dense.ts";
import type { DimsWith } from "./dimsWith.ts";

/** The two dense layers of an MLP block. */
export interface MlpParams {
  readonly up: DenseParams<"d_model", "d_ff">;
  readonly down: DenseParams<"d_ff", "d_model">;
}

/**
 * `down(gelu(up(x)))`.
 *
 * @example
 * const y = mlp(x, params.mlp); // x: "batch seq d_model" -> "batch seq d_model"
 */
export function mlp(x: Tensor<"batch seq d_model">, params: MlpParams): Tensor<"batch seq d_model"> {
  const hidden = gelu(dense(x, params.up, "batch seq d_ff"));
  return dense(hidden, params.down, "batch seq d_model");
}

/**
 * Fresh MLP parameters named `${prefix}.up.w`, `${prefix}.up.b`, `${prefix}.down.w`, `${prefix}.down.b`.
 *
 * @example
 * const params = initMlpParams(D, 0, "block0.mlp");
 */
export function initMlpParams(D: DimsWith<"d_model" | "d_ff">, seed: number, prefix: string): MlpParams {
  return {
    up: initDenseParams(D, seed, `${prefix}.up`, "d_model", "d_ff"),
    down: initDenseParams(D, seed, `${prefix}.down`, "d_ff", "d_model"),
  };
}
