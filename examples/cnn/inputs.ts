/**
 * Seeded inputs for examples/cnn: a batch of images `x` and fresh parameters.
 * The same seed gives the same tensors on every run and machine.
 */
import { randomNormal, type Tensor } from "meshtype";
import { initDenseParams } from "meshtype/stdlib";
import { initConvParams } from "meshtype/stdlib";
import { D, type CnnParams } from "./cnn.ts";

/** The arguments of `cnnModel`. */
export interface CnnInputs {
  readonly x: Tensor<"batch height width c_in">;
  readonly params: CnnParams;
}

/**
 * Make the inputs of `cnnModel` from one seed.
 *
 * @example
 * const { x, params } = makeCnnInputs(0);
 * const logits = cnnSpatial(x, params); // runs eagerly
 */
export function makeCnnInputs(seed: number): CnnInputs {
  return {
    x: randomNormal(D, "batch height width c_in", { seed, name: "x" }),
    params: {
      conv1: initConvParams(D, seed, "conv1", { kernelHeight: "kh", kernelWidth: "kw", in: "c_in", out: "c_hidden" }),
      conv2: initConvParams(D, seed, "conv2", { kernelHeight: "kh", kernelWidth: "kw", in: "c_hidden", out: "c_out" }),
      head: initDenseParams(D, seed, "head", "c_out", "classes"),
    },
  };
}
