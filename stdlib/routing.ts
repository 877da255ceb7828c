/**
 * Top-k routing of tokens to experts with a fixed expert capacity, as in
 * GShard (Lepikhin et al. 2020) and Mesh-TF's `moe.py`. Each batch row is one
 * group: positions in an expert's buffer are counted per row, in `seq` order.
 *
 * The result is two `[batch, seq, experts, capacity]` tensors: `dispatch`
 * (which slot each token goes to) and `combine` (the weight with which each
 * slot's expert output comes back). A token whose expert is already full
 * (its position >= capacity) gets no slot: it is dropped by that expert.
 */
import { add, div, einsum, equal, iota, max, mean, min, mul, softmax, sub, sum, type Tensor } from "meshtype";
import { exclusiveCumsumOverSeq } from "./cumsum.ts";
import type { DimsWith } from "./dimsWith.ts";

/**
 * Where each token goes and how its expert outputs are weighted on the way
 * back, and what a load-balancing loss reads (so that it need not compute the
 * router again: see `loadBalancingLoss`).
 */
export interface Routing {
  /** 1 where token (batch, seq) takes slot `capacity` of expert `experts`, else 0. */
  readonly dispatch: Tensor<"batch seq experts capacity">;
  /** The weight of that slot's expert output in the token's result; 0 where nothing was dispatched. */
  readonly combine: Tensor<"batch seq experts capacity">;
  /** The router's probabilities over the experts, per token (each row sums to 1). */
  readonly probabilities: Tensor<"batch seq experts">;
  /** 1 at each token's first choice of expert, before capacity (a dropped token still counts), else 0. */
  readonly choice: Tensor<"batch seq experts">;
}

/** The dims a router needs declared. */
export type RoutingDims = DimsWith<"seq" | "kv_seq" | "experts" | "capacity">;

/** Added to the indices of non-maximal experts so that they never win the `min` in `firstArgmax`. */
const NOT_MAXIMAL = 1e9;

/**
 * Router probabilities: `softmax(x · router)` over `experts`.
 *
 * @example
 * const probabilities = routerProbabilities(x, params.router); // "batch seq experts", each row sums to 1
 */
export function routerProbabilities(x: Tensor<"batch seq d_model">, router: Tensor<"d_model experts">): Tensor<"batch seq experts"> {
  return softmax(einsum(x, router, "batch seq experts"), "experts");
}

/**
 * A one-hot over `experts` of the largest score per token; on a tie, the lowest index wins.
 *
 * @example
 * firstArgmax(D, scores); // scores [0.2, 0.5, 0.5] -> [0, 1, 0]
 */
export function firstArgmax(D: DimsWith<"experts">, scores: Tensor<"batch seq experts">): Tensor<"batch seq experts"> {
  const isMaximal = equal(scores, max(scores, "experts"));
  // the index itself for maximal entries, index + 1e9 for the others; the smallest is the first maximum
  const candidates = add(mul(sub(1, isMaximal), NOT_MAXIMAL), iota(D, "experts"));
  return equal(candidates, min(candidates, "experts"));
}

/** The slot one-hot of every (token, expert) choice whose buffer position is below capacity. */
function slots(D: RoutingDims, choice: Tensor<"batch seq experts">, position: Tensor<"batch seq experts">): Tensor<"batch seq experts capacity"> {
  // equal(...) is all zeros for position >= capacity: the token is dropped.
  return mul(equal.outer(position, iota(D, "capacity")), choice);
}

/**
 * Top-1 (Switch Transformer) routing: each token goes to its most probable
 * expert, weighted by that expert's router probability.
 *
 * @example
 * const { dispatch, combine } = top1Routing(D, x, params.router);
 */
export function top1Routing(D: RoutingDims, x: Tensor<"batch seq d_model">, router: Tensor<"d_model experts">): Routing {
  const probabilities = routerProbabilities(x, router);
  const choice = firstArgmax(D, probabilities);
  const weight = sum(mul(probabilities, choice), "experts");
  const slot = slots(D, choice, exclusiveCumsumOverSeq(D, choice));
  return { dispatch: slot, combine: mul(slot, weight), probabilities, choice };
}

/**
 * Top-2 (GShard) routing: each token goes to its two most probable experts,
 * weighted by their probabilities renormalised to sum to 1 (`g1 + g2 = 1`).
 * First choices fill the expert buffers before second choices (a second
 * choice's position starts after all first choices of its row). A dropped
 * choice contributes 0; the other keeps its weight (no renormalisation).
 *
 * @example
 * const { dispatch, combine } = top2Routing(D, x, params.router);
 */
export function top2Routing(D: RoutingDims, x: Tensor<"batch seq d_model">, router: Tensor<"d_model experts">): Routing {
  const probabilities = routerProbabilities(x, router);
  const first = firstArgmax(D, probabilities);
  // probabilities are in [0, 1]: subtracting 2 from the first choice rules it out.
  const second = firstArgmax(D, sub(probabilities, mul(first, 2)));
  const firstProbability = sum(mul(probabilities, first), "experts");
  const secondProbability = sum(mul(probabilities, second), "experts");
  const total = add(firstProbability, secondProbability);
  const firstSlot = slots(D, first, exclusiveCumsumOverSeq(D, first));
  const secondPosition = add(exclusiveCumsumOverSeq(D, second), sum(first, "seq"));
  const secondSlot = slots(D, second, secondPosition);
  return {
    dispatch: add(firstSlot, secondSlot),
    combine: add(mul(firstSlot, div(firstProbability, total)), mul(secondSlot, div(secondProbability, total))),
    probabilities,
    choice: first,
  };
}

/**
 * The auxiliary load-balancing loss of the Switch Transformer (Fedus et al.
 * 2021, eq. 4; GShard's with top-2): `experts * sum_i f_i * P_i`, where f_i is
 * the fraction of tokens whose first choice is expert i and P_i the mean
 * router probability of expert i, over every token. It is 1 when both are
 * uniform and grows as the routing concentrates; only P_i has a gradient.
 * Scale it (Switch uses 0.01) and add it to the task loss.
 *
 * @example
 * const routing = top1Routing(D, x, params.router);
 * const loss = add(taskLoss, mul(loadBalancingLoss(D, routing), 0.01));
 */
export function loadBalancingLoss(D: DimsWith<"experts">, routing: Routing): Tensor<""> {
  const fraction = mean(routing.choice, "batch seq");
  const probability = mean(routing.probabilities, "batch seq");
  return mul(einsum(fraction, probability, ""), D.sizes.experts);
}
