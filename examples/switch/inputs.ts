/**
 * Seeded inputs for examples/switch: an activation `x`, a target and fresh parameters.
 */
import { randomNormal, type Tensor } from "meshtype";
import { initLayerNormParams, initMoeParams } from "meshtype/stdlib";
import { D, type SwitchLayerParams } from "./switch.ts";

/** The arguments of the Switch layer, and a target for its training step. */
export interface SwitchInputs {
  readonly x: Tensor<"batch seq d_model">;
  readonly target: Tensor<"batch seq d_model">;
  readonly params: SwitchLayerParams;
}

/**
 * Make the inputs from one seed.
 *
 * @example
 * const { x, params } = makeSwitchInputs(0);
 * const { y, auxLoss } = switchData(x, params); // runs eagerly
 */
export function makeSwitchInputs(seed: number): SwitchInputs {
  return {
    x: randomNormal(D, "batch seq d_model", { seed, name: "x" }),
    target: randomNormal(D, "batch seq d_model", { seed, name: "target" }),
    params: { norm: initLayerNormParams(D, seed, "norm"), moe: initMoeParams(D, seed, "moe") },
  };
}
