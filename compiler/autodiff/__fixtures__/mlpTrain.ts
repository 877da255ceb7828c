// Training steps over an MLP loss, bound to data-parallel, Megatron and 2-D layouts (autodiff tests).
import { dims, einsum, gelu, grad, layout, mean, mesh, program, relu, square, sub, add, valueAndGrad, type Tensor } from "../../../dsl/index.ts";

export const D = dims({ batch: 8, d_model: 4, d_ff: 8 });

/** The parameters of a two-layer MLP. */
export interface Params {
  readonly w_in: Tensor<"d_model d_ff">;
  readonly w_out: Tensor<"d_ff d_model">;
}

/** Mean squared error of the MLP on a batch. */
export function loss(p: Params, x: Tensor<"batch d_model">, target: Tensor<"batch d_model">): Tensor<""> {
  const h = relu(einsum(x, p.w_in, "batch d_ff"));
  const y = einsum(h, p.w_out, "batch d_model");
  return mean(square(sub(y, target)), "batch d_model");
}

/** The loss and its gradients. */
export function step(p: Params, x: Tensor<"batch d_model">, target: Tensor<"batch d_model">) {
  const { value, grad: grads } = valueAndGrad(loss)(p, x, target);
  return { loss: value, grad: grads };
}

/** The gradients only (the loss is computed but never reduced), with grad(loss) bound to a const first. */
export function gradOnly(p: Params, x: Tensor<"batch d_model">, target: Tensor<"batch d_model">) {
  const gradient = grad(loss);
  return gradient(p, x, target);
}

/** Residual layers in a loop (kept as a loop when differentiated: its backward is a reverse loop). */
export function deepLoss(layers: readonly [Params, Params], x: Tensor<"batch d_model">): Tensor<""> {
  let h = x;
  for (let i = 0; i < 2; i++) h = add(h, einsum(gelu(einsum(h, layers[i].w_in, "batch d_ff")), layers[i].w_out, "batch d_model"));
  return mean(square(h), "batch d_model");
}

/** The gradients of the deep loss. */
export function deepStep(layers: readonly [Params, Params], x: Tensor<"batch d_model">) {
  return grad(deepLoss)(layers, x);
}

const M1 = mesh({ data: 1 });
const M2 = mesh({ data: 2 });
const MM = mesh({ model: 2 });
const M4 = mesh({ data: 2, model: 2 });

export const single = program(step, { mesh: M1, layout: layout(M1, D, "batch:data") });
export const data2 = program(step, { mesh: M2, layout: layout(M2, D, "batch:data") });
export const megatron2 = program(step, { mesh: MM, layout: layout(MM, D, "d_ff:model") });
export const data4 = program(step, { mesh: M4, layout: layout(M4, D, "batch:data") });
export const megatron4 = program(step, { mesh: M4, layout: layout(M4, D, "d_ff:model") });
export const twoD4 = program(step, { mesh: M4, layout: layout(M4, D, "batch:data, d_ff:model") });
export const gradData2 = program(gradOnly, { mesh: M2, layout: layout(M2, D, "batch:data") });
export const gradData4 = program(gradOnly, { mesh: M4, layout: layout(M4, D, "batch:data") });
export const deep4 = program(deepStep, { mesh: M4, layout: layout(M4, D, "batch:data, d_ff:model") });
