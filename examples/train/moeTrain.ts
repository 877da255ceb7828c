/**
 * Example: a training step of examples/moe's mixture-of-experts layer (top-2
 * routing, a layer norm and a residual): the mean squared error against a
 * target, its gradients (`valueAndGrad`, through the router's softmax and the
 * dispatch/combine einsums) and an AdamW update, as one bound program.
 *
 * Bound three ways on 4 devices: data parallel (every device runs every expert
 * on its own batch rows; gradients all-reduced over `data`), with the experts
 * split over a mesh axis of their own (`batch:data, experts:expert` on 2 x 2:
 * each device holds, differentiates and updates half the experts), and expert
 * parallel with all-to-alls (examples/moe's `moeLayerExpertParallel`: the
 * expert MLP and its backward run on one expert per device between the two
 * relayouts, 2 all-to-alls forward and 2 backward).
 */
import { mean, program, square, sub, valueAndGrad, type Tensor } from "meshtype";
import { adamW, type AdamWHyper, type AdamWState } from "meshtype/stdlib";
import { dataLayout, dataMesh, expertAxisLayout, expertMesh, moeLayer, moeLayerExpertParallel, type MoeLayerParams } from "../moe/moe.ts";

/** AdamW's hyperparameters for the example. */
export const MOE_HYPER: AdamWHyper = { learningRate: 1e-2, weightDecay: 0 };

/** The mean squared error of the data-parallel layer's output against `target`. */
export function moeLoss(params: MoeLayerParams, x: Tensor<"batch seq d_model">, target: Tensor<"batch seq d_model">): Tensor<""> {
  return mean(square(sub(moeLayer(x, params), target)), "batch seq d_model");
}

/** The same loss with the expert-parallel layer (the same values; only the layout constraints differ). */
export function moeLossExpertParallel(params: MoeLayerParams, x: Tensor<"batch seq d_model">, target: Tensor<"batch seq d_model">): Tensor<""> {
  return mean(square(sub(moeLayerExpertParallel(x, params), target)), "batch seq d_model");
}

/** What one step returns: the new params and state, and the loss of the params before the step. */
export interface MoeStepResult {
  readonly params: MoeLayerParams;
  readonly state: AdamWState<MoeLayerParams>;
  readonly loss: Tensor<"">;
}

/** One training step: forward, backward and AdamW update. */
export function moeTrainStep(params: MoeLayerParams, state: AdamWState<MoeLayerParams>, x: Tensor<"batch seq d_model">, target: Tensor<"batch seq d_model">): MoeStepResult {
  const { value, grad } = valueAndGrad(moeLoss)(params, x, target);
  const next = adamW(params, grad, state, MOE_HYPER);
  return { params: next.params, state: next.state, loss: value };
}

/** One training step of the expert-parallel layer. */
export function moeTrainStepExpertParallel(params: MoeLayerParams, state: AdamWState<MoeLayerParams>, x: Tensor<"batch seq d_model">, target: Tensor<"batch seq d_model">): MoeStepResult {
  const { value, grad } = valueAndGrad(moeLossExpertParallel)(params, x, target);
  const next = adamW(params, grad, state, MOE_HYPER);
  return { params: next.params, state: next.state, loss: value };
}

/** Data parallel over 4 devices. */
export const moeTrainData = program(moeTrainStep, { mesh: dataMesh, layout: dataLayout });

/** Experts over their own mesh axis (2 x 2): the expert weights, their gradients and AdamW state split over `expert`. */
export const moeTrainExpertAxis = program(moeTrainStep, { mesh: expertMesh, layout: expertAxisLayout });

/** Expert parallel over 4 devices: all-to-alls around the expert MLP, forward and backward. */
export const moeTrainExpertParallel = program(moeTrainStepExpertParallel, { mesh: dataMesh, layout: dataLayout });
