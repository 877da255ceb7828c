// One bad model bound by two programs: the compiler finds its error once per program; the CLI prints it once.
import { program, relu, type Tensor } from "../../frontend/__fixtures__/dsl.ts";
import { L, M } from "../../frontend/__fixtures__/config.ts";

export function spin(x: Tensor<"batch d_model">) {
  while (false) {}
  return relu(x);
}

export const spinA = program(spin, { mesh: M, layout: L });
export const spinB = program(spin, { mesh: M, layout: L });
