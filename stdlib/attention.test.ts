import { describe, expect, test } from "vitest";
import { dims, einsum, mergeDims, mul, ones, randomNormal, rename, slice, softmax, tensor, type Tensor } from "meshtype";
import { attention, causalMask, causalSelfAttention, initAttentionParams, initGroupedQueryAttentionParams, MASKED_SCORE, selfAttention } from "./attention.ts";
import { expectTensor } from "./expectTensor.ts";

describe("causalMask", () => {
  test("is 0 on and below the diagonal and MASKED_SCORE above it", () => {
    const m = MASKED_SCORE;
    expectTensor(causalMask(dims({ seq: 3, kv_seq: 3 }), "seq", "kv_seq"), "seq kv_seq", [0, m, m, 0, 0, m, 0, 0, 0], 0);
    expectTensor(causalMask(dims({ dec_seq: 2, dec_kv: 2 }), "dec_seq", "dec_kv"), "dec_seq dec_kv", [0, m, 0, 0], 0);
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

describe("attention, generic over batch and sequence dims", () => {
  const D = dims({ batch: 2, beam: 2, dec_seq: 3, enc_seq: 4, seq: 3, kv_seq: 3, d_model: 8, heads: 2, d_head: 4, kv_heads: 1, q_per_kv: 2 });
  const params = initAttentionParams(D, 5, "attention");
  const queries = randomNormal(D, "batch dec_seq d_model", { seed: 5, name: "queries" });
  const memory = randomNormal(D, "batch enc_seq d_model", { seed: 5, name: "memory" });

  test("cross-attention has the queries' dims and matches a hand-written einsum version", () => {
    const y = attention(D, queries, memory, params, { seq: "dec_seq", kvSeq: "enc_seq" });
    const q = einsum(queries, params.wq, "batch dec_seq heads d_head");
    const k = einsum(memory, params.wk, "batch enc_seq heads d_head");
    const v = einsum(memory, params.wv, "batch enc_seq heads d_head");
    const weights = softmax(mul(einsum(q, k, "batch heads dec_seq enc_seq"), 0.5), "enc_seq");
    const expected = einsum(einsum(weights, v, "batch dec_seq heads d_head"), params.wo, "batch dec_seq d_model");
    expectTensor(y, "batch dec_seq d_model", Array.from(expected.data), 1e-5);
  });

  test("carries extra batch dims through (batch beam) and keeps x's order", () => {
    const x = randomNormal(D, "beam batch seq d_model", { seed: 6, name: "x" });
    const y = selfAttention(D, x, params, { seq: "seq", kvSeq: "kv_seq", causal: true });
    expect(y.names).toEqual(["beam", "batch", "seq", "d_model"]);
    // beam row 1 alone gives the same as its slice of the batched call
    const row = causalSelfAttention(D, rename(slice(x, "beam", 1, 2), "beam", "batch_one"), params);
    expect(row.names).toEqual(["batch_one", "batch", "seq", "d_model"]);
    expectTensor(row, "batch_one batch seq d_model", Array.from(slice(y, "beam", 1, 2).data), 1e-6);
  });

  test("grouped-query attention with one key/value head equals multi-head attention with that head repeated", () => {
    const gqa = initGroupedQueryAttentionParams(D, 7, "gqa");
    const x = randomNormal(D, "batch seq d_model", { seed: 7, name: "x" });
    const y = selfAttention(D, x, gqa, { seq: "seq", kvSeq: "kv_seq", causal: true });
    // multi-head params whose 2 heads are gqa's 2 query heads, each with the one shared key/value head
    const repeated = (w: Tensor<"d_model kv_heads d_head">) => einsum(w, ones(D, "heads"), "d_model heads d_head");
    const mha = {
      wq: mergeDims(gqa.wq, "kv_heads q_per_kv", "heads"),
      wk: repeated(gqa.wk),
      wv: repeated(gqa.wv),
      wo: mergeDims(gqa.wo, "kv_heads q_per_kv", "heads"),
    };
    expectTensor(y, "batch seq d_model", Array.from(causalSelfAttention(D, x, mha).data), 1e-5);
  });
});
