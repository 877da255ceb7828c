import { dims, einsum, layout, mesh, program, relu, type Tensor } from "./dsl.ts";

const D = dims({ batch: 8, seq: 4, d_model: 16, d_ff: 32 });
const M = mesh({ data: 2, model: 2 });
const L = layout(M, D, "batch:data, d_ff:model");

export function mlp(x: Tensor<"batch seq d_model">, w_in: Tensor<"d_model d_ff">, w_out: Tensor<"d_ff d_model">) {
  const h = relu(einsum(x, w_in, "batch seq d_ff"));
  return einsum(h, w_out, "batch seq d_model");
}

export const mlp4 = program(mlp, { mesh: M, layout: L });
