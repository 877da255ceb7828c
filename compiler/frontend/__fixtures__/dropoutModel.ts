// Dropout in compiled programs (compiler/frontend/dslDropout.test.ts): an MLP with dropout on its hidden
// activations and output, a training step through it, a step-keyed mask and a loop of layers keyed by a
// carried counter, under layouts that split the dropped tensors over one axis, two axes, and none.
import { add, dims, dropout, einsum, full, gelu, grad, layout, mean, mesh, program, square, valueAndGrad, type Tensor } from "../../../dsl/index.ts";

export const D = dims({ batch: 8, d_model: 4, d_ff: 8 });

/** The parameters of a two-layer MLP. */
export interface Params {
  readonly w_in: Tensor<"d_model d_ff">;
  readonly w_out: Tensor<"d_ff d_model">;
}

/** An MLP with dropout after its activation and on its output. */
export function forward(p: Params, x: Tensor<"batch d_model">, step: Tensor<"">): Tensor<"batch d_model"> {
  const h = dropout(gelu(einsum(x, p.w_in, "batch d_ff")), 0.3, { seed: 7, name: "hidden", step });
  return dropout(einsum(h, p.w_out, "batch d_model"), 0.5, { seed: 7, name: "output" });
}

/** The same in evaluation: the identity where dropout stands. */
export function evaluate(p: Params, x: Tensor<"batch d_model">): Tensor<"batch d_model"> {
  const h = dropout(gelu(einsum(x, p.w_in, "batch d_ff")), 0.3, { seed: 7, name: "hidden" }, { training: false });
  return einsum(h, p.w_out, "batch d_model");
}

function loss(p: Params, x: Tensor<"batch d_model">, step: Tensor<"">): Tensor<""> {
  return mean(square(forward(p, x, step)), "batch d_model");
}

/** The loss and its gradients: the backward drops exactly what the forward dropped. */
export function trainStep(p: Params, x: Tensor<"batch d_model">, step: Tensor<"">) {
  const { value, grad: grads } = valueAndGrad(loss)(p, x, step);
  return { loss: value, grad: grads };
}

/** Residual layers in a loop, each drawing its own mask: the layer counter is carried and folded into the key. */
function deepLoss(layers: readonly [Params, Params], x: Tensor<"batch d_model">): Tensor<""> {
  let h = x;
  let layer = full(D, "", 0);
  for (let i = 0; i < 2; i++) {
    h = add(h, dropout(einsum(gelu(einsum(h, layers[i].w_in, "batch d_ff")), layers[i].w_out, "batch d_model"), 0.25, { seed: 3, name: "residual", step: layer }));
    layer = add(layer, 1);
  }
  return mean(square(h), "batch d_model");
}

/** The gradients of the deep loss. */
export function deepStep(layers: readonly [Params, Params], x: Tensor<"batch d_model">) {
  return grad(deepLoss)(layers, x);
}

const M4 = mesh({ data: 2, model: 2 });
const M1 = mesh({ data: 1 });

export const megatron = program(trainStep, { mesh: M4, layout: layout(M4, D, "batch:data, d_ff:model") });
export const twoAxes = program(trainStep, { mesh: M4, layout: layout(M4, D, "batch:(data, model)") });
export const whole = program(trainStep, { mesh: M1, layout: layout(M1, D, "batch:data") });
export const evaluation = program(evaluate, { mesh: M4, layout: layout(M4, D, "batch:data, d_ff:model") });
export const deep = program(deepStep, { mesh: M4, layout: layout(M4, D, "batch:data, d_ff:model") });
