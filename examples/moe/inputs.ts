/**
 * Seeded inputs for examples/moe: an activation `x` and fresh parameters.
 */
import { randomNormal, type Tensor } from "meshtype";
import { initLayerNormParams, initMoeParams } from "meshtype/stdlib";
import { D, type MoeLayerParams } from "./moe.ts";

/** The arguments of `moeLayer` and `moeLayerExpertParallel`. */
export interface MoeInputs {
  readonly x: Tensor<"batch seq d_model">;
  readonly params: MoeLayerParams;
}

/**
 * Make the inputs of the MoE layer from one seed.
 *
 * @example
 * const { x, params } = makeMoeInputs(0);
 * const y = moeData(x, params); // runs eagerly
 */
export function makeMoeInputs(seed: number): MoeInputs {
  return {
    x: randomNormal(D, "batch seq d_model", { seed, name: "x" }),
    params: { norm: initLayerNormParams(D, seed, "norm"), moe: initMoeParams(D, seed, "moe") },
  };
}
