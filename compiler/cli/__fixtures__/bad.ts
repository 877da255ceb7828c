// A program whose model uses a `while` loop, which model code cannot use.
import { program, relu, type Tensor } from "../../frontend/__fixtures__/dsl.ts";
import { L, M } from "../../frontend/__fixtures__/config.ts";

export function spin(x: Tensor<"batch d_model">) {
  while (false) {}
  return relu(x);
}

export const spin4 = program(spin, { mesh: M, layout: L });
