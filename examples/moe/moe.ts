/**
 * Example: a mixture-of-experts layer (GShard top-2 routing) with a residual,
 * data parallel and expert parallel.
 *
 *   data parallel     batch:data, every expert on every device           no communication
 *   expert parallel   batch:data for tokens, experts:data for buffers    two all-to-alls
 *   expert axis       batch:data, experts:expert (2 x 2 mesh)            small all-reduces, one big one
 *
 * The expert-parallel model is the same layer with two layout constraints:
 * after dispatch, the expert buffers `[experts, batch, capacity, d_model]` are
 * moved from `batch`-split to `experts`-split (each device then holds every
 * batch row's tokens for its own expert: an all-to-all), and after the experts
 * they are moved back (a second all-to-all), as in GShard and Mesh-TF. A
 * relayout's rules hold for the values computed from it until the next
 * relayout, so the expert MLP between the two runs `experts`-split: each
 * device computes one expert (local `experts=1`) on the whole batch's slots.
 * docs/communication.md gives the bytes.
 *
 * Note: the layout cannot also say `experts:data` for the expert weights,
 * because the routing tensors `[batch, seq, experts, capacity]` hold both
 * `batch` and `experts`; so there each device keeps all expert weights and
 * uses its own expert's slice (a local slice, no communication). The expert-axis program does split the expert
 * weights, over a second mesh axis: every device routes its batch rows to its
 * own experts only, the router's reductions over `experts` become small
 * all-reduces, and combining the experts' outputs is an all-reduce over `expert`.
 */
import { add, dims, layout, mesh, program, relayout, type Tensor } from "meshtype";
import {
  combineFromExperts,
  dispatchToExperts,
  expertMlp,
  LAYER_NORM_EPSILON,
  layerNorm,
  moeTop2,
  top2Routing,
  type LayerNormParams,
  type MoeParams,
} from "meshtype/stdlib";

/**
 * The dims. Each batch row is one routing group of `seq` tokens.
 * `capacity` = ceil(k * seq * capacity factor / experts) = ceil(2 * 8 * 1.0 / 4) = 4
 * slots per expert per group: with top-2 routing, a token beyond an expert's
 * 4th is dropped by that expert. `kv_seq` (= seq) is used to count positions.
 */
export const D = dims({ batch: 8, seq: 8, kv_seq: 8, d_model: 16, d_ff: 32, experts: 4, capacity: 4 });

/** A layer norm in front of the MoE layer. */
export interface MoeLayerParams {
  readonly norm: LayerNormParams;
  readonly moe: MoeParams;
}

/** `x + moe(norm(x))` with top-2 routing: the data-parallel version. */
export function moeLayer(x: Tensor<"batch seq d_model">, params: MoeLayerParams): Tensor<"batch seq d_model"> {
  return add(x, moeTop2(D, layerNorm(x, params.norm, LAYER_NORM_EPSILON), params.moe));
}

/** The same layer, with the expert buffers moved to the devices of their experts and back. */
export function moeLayerExpertParallel(x: Tensor<"batch seq d_model">, params: MoeLayerParams): Tensor<"batch seq d_model"> {
  const normalized = layerNorm(x, params.norm, LAYER_NORM_EPSILON);
  const routing = top2Routing(D, normalized, params.moe.router);
  const buffers = relayout(dispatchToExperts(routing.dispatch, normalized), "experts:data"); // all-to-all
  const outputs = relayout(expertMlp(buffers, params.moe.experts), "batch:data"); // all-to-all back
  return add(x, combineFromExperts(routing.combine, outputs));
}

/** 4 devices; each routes and computes the tokens of 2 batch rows. */
export const dataMesh = mesh({ data: 4 });
export const dataLayout = layout(dataMesh, D, "batch:data");

/** Data parallel: every device runs every expert on its own tokens. */
export const moeData = program(moeLayer, { mesh: dataMesh, layout: dataLayout });

/** Expert parallel: every device runs one expert on the tokens that all devices routed to it. */
export const moeExpertParallel = program(moeLayerExpertParallel, { mesh: dataMesh, layout: dataLayout });

/**
 * Experts split over their own mesh axis: a 2 x 2 mesh, the batch over `data`
 * and the experts (router columns, expert weights and buffers) over `expert`.
 */
export const expertMesh = mesh({ data: 2, expert: 2 });
export const expertAxisLayout = layout(expertMesh, D, "batch:data, experts:expert");
export const moeExpertAxis = program(moeLayer, { mesh: expertMesh, layout: expertAxisLayout });
