import { describe, expect, test } from "vitest";
import { dims, randomNormal, tensor } from "meshtype";
import { expectFinite, expectTensor } from "./expectTensor.ts";
import { combineFromExperts, dispatchToExperts, expertMlp, initMoeParams, moeTop1, moeTop2 } from "./moe.ts";
import { top2Routing } from "./routing.ts";

const gelu1 = 0.841192; // gelu(1), tanh form (exact erf form: 0.841345)

describe("moe layers", () => {
  const D = dims({ batch: 1, seq: 4, kv_seq: 4, d_model: 2, d_ff: 2, experts: 2, capacity: 2 });
  // every expert is gelu: up and down are identities
  const identities = [1, 0, 0, 1, 1, 0, 0, 1];
  const experts = { up: tensor(D, "experts d_model d_ff", identities), down: tensor(D, "experts d_ff d_model", identities) };
  const x = tensor(D, "batch seq d_model", [1, 0, 1, 0, 1, 0, 1, 0]);

  test("top-1 drops the tokens beyond an expert's capacity (their output is 0)", () => {
    // all four tokens prefer expert 0 (logits [3, 0]); capacity 2 keeps tokens 0 and 1
    const router = tensor(D, "d_model experts", [3, 0, 0, 0]);
    const p0 = Math.exp(3) / (Math.exp(3) + 1);
    const y = moeTop1(D, x, { router, experts });
    expectTensor(y, "batch seq d_model", [p0 * gelu1, 0, p0 * gelu1, 0, 0, 0, 0, 0], 2e-4);
  });

  test("top-2 with identical experts and room for all gives each token expert(x): weights sum to 1", () => {
    const roomy = dims({ batch: 1, seq: 4, kv_seq: 4, d_model: 2, d_ff: 2, experts: 2, capacity: 8 });
    const router = tensor(roomy, "d_model experts", [3, 0, 0, 0]);
    const y = moeTop2(roomy, x, { router, experts: { up: tensor(roomy, "experts d_model d_ff", identities), down: tensor(roomy, "experts d_ff d_model", identities) } });
    expectTensor(y, "batch seq d_model", [gelu1, 0, gelu1, 0, gelu1, 0, gelu1, 0], 2e-4);
  });

  test("the three steps compose to moeTop2 and random parameters give finite outputs", () => {
    const R = dims({ batch: 2, seq: 4, kv_seq: 4, d_model: 4, d_ff: 8, experts: 4, capacity: 2 });
    const params = initMoeParams(R, 2, "moe");
    const input = randomNormal(R, "batch seq d_model", { seed: 2, name: "x" });
    const routing = top2Routing(R, input, params.router);
    const buffers = dispatchToExperts(routing.dispatch, input);
    expect(buffers.names).toEqual(["experts", "batch", "capacity", "d_model"]);
    const y = combineFromExperts(routing.combine, expertMlp(buffers, params.experts));
    expectTensor(y, "batch seq d_model", Array.from(moeTop2(R, input, params).data), 0);
    expectFinite(y);
  });
});
