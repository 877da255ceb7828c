/**
 * Seeded inputs for examples/mlp: an activation `x` and fresh MLP parameters.
 * The same seed gives the same tensors on every run and machine.
 */
import { randomNormal, type Tensor } from "meshtype";
import { initMlpParams, type MlpParams } from "meshtype/stdlib";
import { D } from "./mlp.ts";

/** The arguments of `mlpModel`. */
export interface MlpInputs {
  readonly x: Tensor<"batch seq d_model">;
  readonly params: MlpParams;
}

/**
 * Make the inputs of `mlpModel` from one seed.
 *
 * @example
 * const { x, params } = makeMlpInputs(0);
 * const y = mlpData(x, params); // runs eagerly
 */
export function makeMlpInputs(seed: number): MlpInputs {
  return {
    x: randomNormal(D, "batch seq d_model", { seed, name: "x" }),
    params: initMlpParams(D, seed, "mlp"),
  };
}
