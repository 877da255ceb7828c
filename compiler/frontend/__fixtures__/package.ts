// Imports from the package name, as users write them: "meshtype" and "meshtype/stdlib".
import { dims, einsum, layout, mesh, program, type Tensor } from "meshtype";
import { layerNorm, type LayerNormParams } from "meshtype/stdlib";

const D = dims({ batch: 4, seq: 8, d_model: 16, vocab: 32 });
const M = mesh({ model: 2 });
const L = layout(M, D, "vocab:model");

export function head(x: Tensor<"batch seq d_model">, norm: LayerNormParams, w: Tensor<"d_model vocab">) {
  return einsum(layerNorm(x, norm, 1e-5), w, "batch seq vocab");
}

export const head2 = program(head, { mesh: M, layout: L });
