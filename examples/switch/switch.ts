/**
 * Example: a Switch Transformer layer (Fedus et al. 2021) at test size: top-1
 * routing with a capacity factor of 1.25, the experts' GELU MLPs, a residual,
 * and the auxiliary load-balancing loss, in the forward program and in a
 * training step (mean squared error + 0.01 x the auxiliary loss, AdamW).
 *
 *   data parallel   batch:data (data=4)                                 no communication in the forward pass
 *   expert axis     batch:data, experts:expert (2 x 2)                  small all-reduces over expert (router, loss), one of the output
 *   expert parallel batch:data, buffers moved to experts:data (data=4)  two all-to-alls
 *
 * The expert capacity is computed where it is declared:
 * `capacity: Math.ceil((CAPACITY_FACTOR * TOKENS) / EXPERTS)` (3 slots for 8
 * tokens over 4 experts); the compiler computes it the same way.
 *
 * The auxiliary loss reads the routing's own probabilities and choices. A
 * model that computes them again for the loss (`switchLayerRecomputed`, as a
 * first draft might) compiles to the same program: the compiler merges
 * repeated computations (its cse pass), so the router is computed and
 * communicated once. docs/communication.md (Switch section) gives the bytes.
 */
import { add, dims, einsum, layout, mean, mesh, mul, program, relayout, square, sub, valueAndGrad, type Tensor } from "meshtype";
import {
  adamW,
  combineFromExperts,
  dispatchToExperts,
  expertMlp,
  firstArgmax,
  LAYER_NORM_EPSILON,
  layerNorm,
  loadBalancingLoss,
  routerProbabilities,
  top1Routing,
  type AdamWHyper,
  type AdamWState,
  type LayerNormParams,
  type MoeParams,
} from "meshtype/stdlib";

/** Tokens per routing group (a batch row), experts, and the capacity factor of the Switch Transformer. */
export const TOKENS = 8;
export const EXPERTS = 4;
export const CAPACITY_FACTOR = 1.25;

/** The dims; `capacity` = ceil(1.25 * 8 / 4) = 3 slots per expert per group. */
export const D = dims({
  batch: 8, seq: TOKENS, kv_seq: TOKENS, d_model: 16, d_ff: 32, experts: EXPERTS, capacity: Math.ceil((CAPACITY_FACTOR * TOKENS) / EXPERTS),
});

/** The weight of the auxiliary loss in the training loss (the Switch Transformer's alpha). */
export const AUX_WEIGHT = 0.01;

/** A layer norm in front of the Switch layer. */
export interface SwitchLayerParams {
  readonly norm: LayerNormParams;
  readonly moe: MoeParams;
}

/** The layer's output and its auxiliary load-balancing loss. */
export interface SwitchOutput {
  readonly y: Tensor<"batch seq d_model">;
  readonly auxLoss: Tensor<"">;
}

/** `x + switch(norm(x))` with top-1 routing, and the load-balancing loss of that routing. */
export function switchLayer(x: Tensor<"batch seq d_model">, params: SwitchLayerParams): SwitchOutput {
  const normalized = layerNorm(x, params.norm, LAYER_NORM_EPSILON);
  const routing = top1Routing(D, normalized, params.moe.router);
  const outputs = expertMlp(dispatchToExperts(routing.dispatch, normalized), params.moe.experts);
  return { y: add(x, combineFromExperts(routing.combine, outputs)), auxLoss: loadBalancingLoss(D, routing) };
}

/** The same layer with the auxiliary loss written out from the router again (the same program once compiled). */
export function switchLayerRecomputed(x: Tensor<"batch seq d_model">, params: SwitchLayerParams): SwitchOutput {
  const normalized = layerNorm(x, params.norm, LAYER_NORM_EPSILON);
  const routing = top1Routing(D, normalized, params.moe.router);
  const outputs = expertMlp(dispatchToExperts(routing.dispatch, normalized), params.moe.experts);
  // the router's softmax and argmax again, as in the formula of the paper
  const probabilities = routerProbabilities(normalized, params.moe.router);
  const fraction = mean(firstArgmax(D, probabilities), "batch seq");
  const auxLoss = mul(einsum(fraction, mean(probabilities, "batch seq"), ""), EXPERTS);
  return { y: add(x, combineFromExperts(routing.combine, outputs)), auxLoss };
}

/** The expert-parallel layer: the expert buffers moved to their experts' devices and back (two all-to-alls). */
export function switchLayerExpertParallel(x: Tensor<"batch seq d_model">, params: SwitchLayerParams): SwitchOutput {
  const normalized = layerNorm(x, params.norm, LAYER_NORM_EPSILON);
  const routing = top1Routing(D, normalized, params.moe.router);
  const buffers = relayout(dispatchToExperts(routing.dispatch, normalized), "experts:data");
  const outputs = relayout(expertMlp(buffers, params.moe.experts), "batch:data");
  return { y: add(x, combineFromExperts(routing.combine, outputs)), auxLoss: loadBalancingLoss(D, routing) };
}

/** 4 devices, 2 batch rows (routing groups) each. */
export const dataMesh = mesh({ data: 4 });
export const dataLayout = layout(dataMesh, D, "batch:data");
/** The experts over a mesh axis of their own: 2 x 2. */
export const expertMesh = mesh({ data: 2, expert: 2 });
export const expertAxisLayout = layout(expertMesh, D, "batch:data, experts:expert");

export const switchData = program(switchLayer, { mesh: dataMesh, layout: dataLayout });
export const switchExpertAxis = program(switchLayer, { mesh: expertMesh, layout: expertAxisLayout });
export const switchRecomputedExpertAxis = program(switchLayerRecomputed, { mesh: expertMesh, layout: expertAxisLayout });
export const switchExpertParallel = program(switchLayerExpertParallel, { mesh: dataMesh, layout: dataLayout });

/** AdamW's hyperparameters for the example. */
export const SWITCH_HYPER: AdamWHyper = { learningRate: 1e-2, weightDecay: 0 };

/** The training loss: the mean squared error against `target`, plus `AUX_WEIGHT` times the load-balancing loss. */
export function switchLoss(params: SwitchLayerParams, x: Tensor<"batch seq d_model">, target: Tensor<"batch seq d_model">): Tensor<""> {
  const { y, auxLoss } = switchLayer(x, params);
  return add(mean(square(sub(y, target))), mul(auxLoss, AUX_WEIGHT));
}

/** What one step returns: the new params and state, and the loss of the params before the step. */
export interface SwitchStepResult {
  readonly params: SwitchLayerParams;
  readonly state: AdamWState<SwitchLayerParams>;
  readonly loss: Tensor<"">;
}

/** One training step: forward, backward (through the router's probabilities in both losses) and AdamW. */
export function switchTrainStep(params: SwitchLayerParams, state: AdamWState<SwitchLayerParams>, x: Tensor<"batch seq d_model">, target: Tensor<"batch seq d_model">): SwitchStepResult {
  const { value, grad } = valueAndGrad(switchLoss)(params, x, target);
  const next = adamW(params, grad, state, SWITCH_HYPER);
  return { params: next.params, state: next.state, loss: value };
}

export const switchTrainData = program(switchTrainStep, { mesh: dataMesh, layout: dataLayout });
export const switchTrainExpertAxis = program(switchTrainStep, { mesh: expertMesh, layout: expertAxisLayout });
