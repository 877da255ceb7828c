/**
 * A mixture-of-experts feed-forward layer (GShard / Switch): route tokens to
 * experts, run each expert's GELU MLP on its buffer of `capacity` tokens per
 * batch row, and combine the outputs back by einsum.
 *
 * The three steps are exported on their own so that a model can place layout
 * constraints between them: with `relayout(..., "experts:data")` after
 * `dispatchToExperts` and `relayout(..., "batch:data")` after `expertMlp`,
 * the compiler turns `batch`-split tokens into `experts`-split buffers and
 * back, the two all-to-alls of GShard (see examples/moe).
 */
import { einsum, gelu, randomNormal, type Tensor } from "meshtype";
import type { DimsWith } from "./dimsWith.ts";
import { top1Routing, top2Routing, type RoutingDims } from "./routing.ts";

/** The MLPs of all experts, stacked over `experts`. */
export interface ExpertMlpParams {
  readonly up: Tensor<"experts d_model d_ff">;
  readonly down: Tensor<"experts d_ff d_model">;
}

/** A router and its experts. */
export interface MoeParams {
  readonly router: Tensor<"d_model experts">;
  readonly experts: ExpertMlpParams;
}

/**
 * Gather each expert's buffer: `[experts, batch, capacity, d_model]`, zeros in unused slots.
 *
 * @example
 * const buffers = dispatchToExperts(routing.dispatch, x);
 */
export function dispatchToExperts(
  dispatch: Tensor<"batch seq experts capacity">,
  x: Tensor<"batch seq d_model">,
): Tensor<"experts batch capacity d_model"> {
  return einsum(dispatch, x, "experts batch capacity d_model");
}

/**
 * Every expert's MLP on its own buffer: `down_e(gelu(up_e(x_e)))`, no biases.
 *
 * @example
 * const outputs = expertMlp(buffers, params.experts);
 */
export function expertMlp(
  buffers: Tensor<"experts batch capacity d_model">,
  params: ExpertMlpParams,
): Tensor<"experts batch capacity d_model"> {
  const hidden = gelu(einsum(buffers, params.up, "experts batch capacity d_ff"));
  return einsum(hidden, params.down, "experts batch capacity d_model");
}

/**
 * Bring expert outputs back to their tokens, weighted by `combine`.
 *
 * @example
 * const y = combineFromExperts(routing.combine, outputs);
 */
export function combineFromExperts(
  combine: Tensor<"batch seq experts capacity">,
  outputs: Tensor<"experts batch capacity d_model">,
): Tensor<"batch seq d_model"> {
  return einsum(combine, outputs, "batch seq d_model");
}

/**
 * A top-1 (Switch) MoE layer. A dropped token's output is zeros (add a residual around it).
 *
 * @example
 * const y = add(x, moeTop1(D, x, params.moe));
 */
export function moeTop1(D: RoutingDims, x: Tensor<"batch seq d_model">, params: MoeParams): Tensor<"batch seq d_model"> {
  const routing = top1Routing(D, x, params.router);
  return combineFromExperts(routing.combine, expertMlp(dispatchToExperts(routing.dispatch, x), params.experts));
}

/**
 * A top-2 (GShard) MoE layer.
 *
 * @example
 * const y = add(x, moeTop2(D, x, params.moe));
 */
export function moeTop2(D: RoutingDims, x: Tensor<"batch seq d_model">, params: MoeParams): Tensor<"batch seq d_model"> {
  const routing = top2Routing(D, x, params.router);
  return combineFromExperts(routing.combine, expertMlp(dispatchToExperts(routing.dispatch, x), params.experts));
}

/**
 * Fresh MoE parameters named `${prefix}.router`, `${prefix}.experts.up`, `${prefix}.experts.down`.
 *
 * @example
 * const moe = initMoeParams(D, 0, "moe");
 */
export function initMoeParams(D: DimsWith<"d_model" | "d_ff" | "experts">, seed: number, prefix: string): MoeParams {
  return {
    router: randomNormal(D, "d_model experts", { seed, name: `${prefix}.router`, std: 1 / Math.sqrt(D.sizes.d_model) }),
    experts: {
      up: randomNormal(D, "experts d_model d_ff", { seed, name: `${prefix}.experts.up`, std: 1 / Math.sqrt(D.sizes.d_model) }),
      down: randomNormal(D, "experts d_ff d_model", { seed, name: `${prefix}.experts.down`, std: 1 / Math.sqrt(D.sizes.d_ff) }),
    },
  };
}
