/**
 * A linear regression training step with hand-written gradients: the
 * smallest program with a forward, gradients that are partial sums over the
 * data axis, and an optimizer update. It checks the optimizers and
 * weight-update sharding through the compiler without depending on autodiff.
 */
import { add, einsum, layout, mean, mesh, mul, program, square, sub, sum, dims, type Tensor } from "meshtype";
import { adamW, sgd, type AdamWState, type SgdState } from "meshtype/stdlib";

/** Small dims: `batch` splits over 4 devices; `d_in` and `d_out` divide by 4 for weight-update sharding. */
export const D = dims({ batch: 8, d_in: 8, d_out: 4 });

/** The weights of `y = x w + b`. */
export interface LinearParams {
  readonly w: Tensor<"d_in d_out">;
  readonly b: Tensor<"d_out">;
}

/** The mean squared error of `x w + b` against `y`, and its gradients (by hand: d/dpred = 2 err / count). */
export function lossAndGrads(params: LinearParams, x: Tensor<"batch d_in">, y: Tensor<"batch d_out">): { loss: Tensor<"">; grads: LinearParams } {
  const err = sub(add(einsum(x, params.w, "batch d_out"), params.b), y);
  const loss = mean(square(err), "batch d_out");
  const dPred = mul(err, 2 / (D.sizes.batch * D.sizes.d_out));
  return { loss, grads: { w: einsum(x, dPred, "d_in d_out"), b: sum(dPred, "batch") } };
}

/** One AdamW step; the loss is of the params before the step. */
export function adamStep(params: LinearParams, state: AdamWState<LinearParams>, x: Tensor<"batch d_in">, y: Tensor<"batch d_out">) {
  const { loss, grads } = lossAndGrads(params, x, y);
  const next = adamW(params, grads, state, { learningRate: 0.05 });
  return { params: next.params, state: next.state, loss };
}

/** One SGD-with-momentum step; the loss is of the params before the step. */
export function sgdStep(params: LinearParams, state: SgdState<LinearParams>, x: Tensor<"batch d_in">, y: Tensor<"batch d_out">) {
  const { loss, grads } = lossAndGrads(params, x, y);
  const next = sgd(params, grads, state, { learningRate: 0.05, momentum: 0.9 });
  return { params: next.params, state: next.state, loss };
}

/** Data parallelism over 4 devices. */
export const dataMesh = mesh({ data: 4 });
export const dataLayout = layout(dataMesh, D, "batch:data");
export const adamData = program(adamStep, { mesh: dataMesh, layout: dataLayout });
export const sgdData = program(sgdStep, { mesh: dataMesh, layout: dataLayout });

/** The same steps with weight-update sharding over `data`: gradients reduce-scattered, optimizer state sharded, weights all-gathered. */
export const adamDataSharded = program(adamStep, { mesh: dataMesh, layout: dataLayout, weightUpdateSharding: "data" });
export const sgdDataSharded = program(sgdStep, { mesh: dataMesh, layout: dataLayout, weightUpdateSharding: "data" });
