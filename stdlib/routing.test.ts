import { describe, expect, test } from "vitest";
import { dims, sum, tensor } from "meshtype";
import { expectTensor } from "./expectTensor.ts";
import { firstArgmax, loadBalancingLoss, top1Routing, top2Routing } from "./routing.ts";

/** Flat `[batch=1, seq=4, experts=4, capacity]` data with `value` at each (seq, expert, slot). */
function slotData(capacity: number, entries: readonly (readonly [number, number, number, number])[]): number[] {
  const data = new Array<number>(4 * 4 * capacity).fill(0);
  for (const [seq, expert, slot, value] of entries) data[(seq * 4 + expert) * capacity + slot] = value;
  return data;
}

describe("firstArgmax", () => {
  test("one-hots the maximum, the lowest index on a tie", () => {
    const D = dims({ batch: 1, seq: 2, experts: 3 });
    const scores = tensor(D, "batch seq experts", [0.2, 0.5, 0.5, 3, -1, 2]);
    expectTensor(firstArgmax(D, scores), "batch seq experts", [0, 1, 0, 1, 0, 0], 0);
  });
});

describe("top1Routing", () => {
  const D = dims({ batch: 1, seq: 4, kv_seq: 4, d_model: 2, experts: 4, capacity: 2 });
  // every token is [1, 0] and prefers expert 0 (logits [5, 0, 0, 0])
  const x = tensor(D, "batch seq d_model", [1, 0, 1, 0, 1, 0, 1, 0]);
  const router = tensor(D, "d_model experts", [5, 0, 0, 0, 0, 0, 0, 0]);
  const routing = top1Routing(D, x, router);
  const p0 = Math.exp(5) / (Math.exp(5) + 3);

  test("fills expert 0's slots in seq order and drops the tokens beyond capacity", () => {
    expectTensor(routing.dispatch, "batch seq experts capacity", slotData(2, [[0, 0, 0, 1], [1, 0, 1, 1]]), 0);
  });

  test("weights each kept token by its router probability", () => {
    expectTensor(routing.combine, "batch seq experts capacity", slotData(2, [[0, 0, 0, p0], [1, 0, 1, p0]]), 1e-6);
  });
});

describe("top2Routing", () => {
  const D = dims({ batch: 1, seq: 4, kv_seq: 4, d_model: 2, experts: 4, capacity: 4 });
  const small = dims({ batch: 1, seq: 4, kv_seq: 4, d_model: 2, experts: 4, capacity: 3 });
  // tokens A = [1, 0] (logits [2, 1, 0, 0]: expert 0, then 1) and B = [0, 1] (expert 1, then 0), as A B A B
  const x = tensor(D, "batch seq d_model", [1, 0, 0, 1, 1, 0, 0, 1]);
  const router = tensor(D, "d_model experts", [2, 1, 0, 0, 1, 2, 0, 0]);
  const g1 = Math.E / (Math.E + 1); // renormalised: e^2 / (e^2 + e^1)
  const g2 = 1 / (Math.E + 1);

  test("places first choices before second choices in each expert's buffer", () => {
    const routing = top2Routing(D, x, router);
    const expected = slotData(4, [
      [0, 0, 0, 1], [2, 0, 1, 1], [1, 1, 0, 1], [3, 1, 1, 1], // first choices
      [0, 1, 2, 1], [2, 1, 3, 1], [1, 0, 2, 1], [3, 0, 3, 1], // second choices, after the 2 first choices
    ]);
    expectTensor(routing.dispatch, "batch seq experts capacity", expected, 0);
  });

  test("combine weights are the two probabilities renormalised to sum to 1", () => {
    const routing = top2Routing(D, x, router);
    const expected = slotData(4, [
      [0, 0, 0, g1], [2, 0, 1, g1], [1, 1, 0, g1], [3, 1, 1, g1],
      [0, 1, 2, g2], [2, 1, 3, g2], [1, 0, 2, g2], [3, 0, 3, g2],
    ]);
    expectTensor(routing.combine, "batch seq experts capacity", expected, 1e-6);
    expectTensor(sum(routing.combine, "experts capacity"), "batch seq", [1, 1, 1, 1], 1e-6);
  });

  test("a dropped second choice leaves the first choice's weight alone", () => {
    const routing = top2Routing(small, x, router);
    // capacity 3: the second choices at position 3 (tokens 2 and 3) are dropped
    expectTensor(sum(routing.dispatch, "experts capacity"), "batch seq", [2, 2, 1, 1], 0);
    expectTensor(sum(routing.combine, "experts capacity"), "batch seq", [1, 1, g1, g1], 1e-6);
    expect(routing.combine.names).toEqual(["batch", "seq", "experts", "capacity"]);
  });
});

describe("loadBalancingLoss", () => {
  const D = dims({ batch: 1, seq: 4, kv_seq: 4, d_model: 2, experts: 2, capacity: 4 });

  test("is experts * sum_i f_i P_i: 1 for uniform routing, more when it concentrates", () => {
    // a zero router: probabilities one half each, and every tie goes to expert 0 (f = [1, 0], P = [1/2, 1/2])
    const even = top1Routing(D, tensor(D, "batch seq d_model", [1, 0, 0, 1, 1, 0, 0, 1]), tensor(D, "d_model experts", [0, 0, 0, 0]));
    expectTensor(loadBalancingLoss(D, even), "", [2 * (1 * 0.5 + 0 * 0.5)], 1e-6);
    const x = tensor(D, "batch seq d_model", [1, 0, 0, 1, 1, 0, 0, 1]);
    // half the tokens to each expert, each with probability p: f = P = [1/2, 1/2], the minimum 1
    const balanced = top1Routing(D, x, tensor(D, "d_model experts", [1, 0, 0, 1]));
    const p = Math.E / (Math.E + 1);
    expectTensor(loadBalancingLoss(D, balanced), "", [2 * (0.5 * 0.5 + 0.5 * 0.5)], 1e-6);
    const skewed = top1Routing(D, x, tensor(D, "d_model experts", [1, 0, 1, 0]));
    // every token prefers expert 0 with probability p
    expectTensor(loadBalancingLoss(D, skewed), "", [2 * (1 * p + 0 * (1 - p))], 1e-6);
    expect(balanced.choice.names).toEqual(["batch", "seq", "experts"]);
    expectTensor(sum(balanced.probabilities, "experts"), "batch seq", [1, 1, 1, 1], 1e-6);
  });
});
