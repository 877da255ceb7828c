import { describe, expect, test } from "vitest";
import { dims, randomNormal, tensor } from "meshtype";
import { causalMask, causalSelfAttention, initAttentionParams, MASKED_SCORE } from "./attention.ts";
import { expectTensor } from "./expectTensor.ts";

describe("causalMask", () => {
  test("is 0 on and below the diagonal and MASKED_SCORE above it", () => {
    const m = MASKED_SCORE;
    expectTensor(causalMask(dims({ seq: 3, kv_seq: 3 })), "seq kv_seq", [0, m, m, 0, 0, m, 0, 0, 0], 0);
  });
});

describe("causalSelfAttention", () => {
  test("one head with identity projections matches a hand-computed softmax", () => {
    const D = dims({ batch: 1, seq: 3, kv_seq: 3, d_model: 2, heads: 1, d_head: 2 });
    const identity = [1, 0, 0, 1];
    const params = {
      wq: tensor(D, "d_model heads d_head", identity),
      wk: tensor(D, "d_model heads d_head", identity),
      wv: tensor(D, "d_model heads d_head", identity),
      wo: tensor(D, "heads d_head d_model", identity),
    };
    // positions: [1, 0], [0, 1], [1, 1]; scores are q·k / sqrt(2), future keys masked
    const x = tensor(D, "batch seq d_model", [1, 0, 0, 1, 1, 1]);
    const s = 1 / Math.sqrt(2);
    // position 1 sees keys 0 and 1 with scores [0, s]
    const w1 = [1, Math.exp(s)].map((e) => e / (1 + Math.exp(s)));
    // position 2 sees keys 0, 1, 2 with scores [s, s, 2s]
    const z2 = 2 * Math.exp(s) + Math.exp(2 * s);
    const w2 = [Math.exp(s) / z2, Math.exp(s) / z2, Math.exp(2 * s) / z2];
    const expected = [1, 0, w1[0], w1[1], w2[0] + w2[2], w2[1] + w2[2]];
    expectTensor(causalSelfAttention(D, x, params), "batch seq d_model", expected, 1e-5);
  });

  const D = dims({ batch: 2, seq: 5, kv_seq: 5, d_model: 8, heads: 2, d_head: 4 });
  const params = initAttentionParams(D, 3, "attention");
  const x = randomNormal(D, "batch seq d_model", { seed: 3, name: "x" });

  test("changing a later token changes no earlier output", () => {
    const changed = Float32Array.from(x.data);
    // batch row 0, last position (seq 4): every feature
    for (let feature = 0; feature < 8; feature++) changed[4 * 8 + feature] += 5;
    const before = causalSelfAttention(D, x, params);
    const after = causalSelfAttention(D, tensor(D, "batch seq d_model", changed), params);
    expect(Array.from(after.data.slice(0, 4 * 8))).toEqual(Array.from(before.data.slice(0, 4 * 8)));
    expect(Array.from(after.data.slice(4 * 8, 5 * 8))).not.toEqual(Array.from(before.data.slice(4 * 8, 5 * 8)));
    expect(Array.from(after.data.slice(5 * 8))).toEqual(Array.from(before.data.slice(5 * 8)));
  });

  test("changing an earlier token changes the later outputs", () => {
    const changed = Float32Array.from(x.data);
    changed[0] += 5; // batch row 0, seq 0
    const before = causalSelfAttention(D, x, params);
    const after = causalSelfAttention(D, tensor(D, "batch seq d_model", changed), params);
    for (let position = 0; position < 5; position++) {
      const slice = (t: Float32Array) => Array.from(t.slice(position * 8, position * 8 + 8));
      expect(slice(after.data)).not.toEqual(slice(before.data));
    }
  });

  test("init names each projection apart", () => {
    expect(Array.from(params.wq.data)).not.toEqual(Array.from(params.wk.data));
    expect(params.wo.names).toEqual(["heads", "d_head", "d_model"]);
  });
});
