// A loss through a relayout that moves a batch-split activation to d_ff:data (autodiff tests).
import { dims, einsum, layout, mean, mesh, program, relayout, square, valueAndGrad, type Tensor } from "../../../dsl/index.ts";

export const D = dims({ batch: 4, d_model: 4, d_ff: 8 });

/** mean((relayout(x w, d_ff:data))^2): h is batch-split, its relayout d_ff-split. */
export function relayoutLoss(w: Tensor<"d_model d_ff">, x: Tensor<"batch d_model">): Tensor<""> {
  const h = einsum(x, w, "batch d_ff");
  return mean(square(relayout(h, "d_ff:data")), "batch d_ff");
}

/** The loss and the gradient of w. */
export function relayoutStep(w: Tensor<"d_model d_ff">, x: Tensor<"batch d_model">) {
  const { value, grad } = valueAndGrad(relayoutLoss)(w, x);
  return { loss: value, grad };
}

const data = mesh({ data: 2 });
export const relayoutData2 = program(relayoutStep, { mesh: data, layout: layout(data, D, "batch:data") });
