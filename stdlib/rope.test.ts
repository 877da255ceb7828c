import { describe, expect, test } from "vitest";
import { dims, einsum, randomNormal, rename, slice, tensor } from "meshtype";
import { expectTensor } from "./expectTensor.ts";
import { rotaryEmbedding, ROPE_BASE } from "./rope.ts";

describe("rotaryEmbedding", () => {
  const D = dims({ batch: 1, seq: 3, kv_seq: 3, heads: 1, d_head: 4 });

  test("rotates each pair (i, i + d_head/2) by position * base^(-2i/d_head)", () => {
    const values = [1, 2, 3, 4, 5, 6, 7, 8, -1, 0.5, 2, -3];
    const x = tensor(D, "batch seq heads d_head", values);
    const expected: number[] = [];
    for (let position = 0; position < 3; position++) {
      const row = values.slice(position * 4, position * 4 + 4);
      const turned = [0, 0, 0, 0];
      for (let pair = 0; pair < 2; pair++) {
        const angle = position * ROPE_BASE ** ((-2 * pair) / 4);
        const [first, second] = [row[pair], row[pair + 2]];
        turned[pair] = first * Math.cos(angle) - second * Math.sin(angle);
        turned[pair + 2] = second * Math.cos(angle) + first * Math.sin(angle);
      }
      expected.push(...turned);
    }
    expectTensor(rotaryEmbedding(D, x, "seq"), "batch seq heads d_head", expected, 1e-5);
  });

  test("makes q · k depend only on the distance between positions", () => {
    const q = rotaryEmbedding(D, randomNormal(D, "batch seq heads d_head", { seed: 1, name: "q" }), "seq");
    const vector = randomNormal(dims({ batch: 1, heads: 1, d_head: 4 }), "batch heads d_head", { seed: 2, name: "k" });
    // the same key at every position, rotated along kv_seq
    const keys = rotaryEmbedding(D, einsum(vector, tensor(D, "kv_seq", [1, 1, 1]), "batch kv_seq heads d_head"), "kv_seq");
    const queries = rotaryEmbedding(D, einsum(vector, tensor(D, "seq", [1, 1, 1]), "batch seq heads d_head"), "seq");
    const scores = einsum(queries, keys, "seq kv_seq");
    // score(m, n) = score(m + 1, n + 1): the diagonals are constant
    expect(scores.data[0]).toBeCloseTo(scores.data[4], 5);
    expect(scores.data[4]).toBeCloseTo(scores.data[8], 5);
    expect(scores.data[1]).toBeCloseTo(scores.data[5], 5);
    expect(scores.data[1]).not.toBeCloseTo(scores.data[0], 3);
    expect(q.names).toEqual(["batch", "seq", "heads", "d_head"]);
    expect(rename(slice(q, "seq", 0, 1), "seq", "kv_seq").names).toEqual(["batch", "kv_seq", "heads", "d_head"]);
  });
});
