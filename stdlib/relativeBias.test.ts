import { describe, expect, test } from "vitest";
import { dims, tensor } from "meshtype";
import { expectTensor } from "./expectTensor.ts";
import { relativeBuckets, relativePositionBias } from "./relativeBias.ts";

/** T5's `_relative_position_bucket` (Hugging Face transformers), one pair at a time, for the reference. */
function t5Bucket(keyMinusQuery: number, bidirectional: boolean, buckets: number, maxDistance: number): number {
  let result = 0;
  let count = buckets;
  let distance = keyMinusQuery;
  if (bidirectional) {
    count = buckets / 2;
    if (distance > 0) result += count;
    distance = Math.abs(distance);
  } else {
    distance = Math.max(-distance, 0);
  }
  const exact = count / 2;
  if (distance < exact) return result + distance;
  const large = exact + Math.trunc((Math.log(distance / exact) / Math.log(maxDistance / exact)) * (count - exact));
  return result + Math.min(large, count - 1);
}

describe("relative position buckets (T5)", () => {
  const D = dims({ seq: 12, kv_seq: 12, rel_buckets: 8, heads: 2 });
  for (const bidirectional of [true, false]) {
    test(`match T5's bucketing (${bidirectional ? "bidirectional" : "unidirectional"}, 8 buckets, max distance 16)`, () => {
      const expected: number[] = [];
      for (let query = 0; query < 12; query++) for (let key = 0; key < 12; key++) expected.push(t5Bucket(key - query, bidirectional, 8, 16));
      expectTensor(relativeBuckets(D, 8, { seq: "seq", kvSeq: "kv_seq", bidirectional, maxDistance: 16 }), "seq kv_seq", expected, 0);
      expect(new Set(expected).size).toBeGreaterThan(4);
    });
  }

  test("the bias picks each pair's bucket row of the table, per head", () => {
    const small = dims({ dec_seq: 2, dec_kv: 2, rel_buckets: 4, heads: 2 });
    const table = tensor(small, "rel_buckets heads", [0, 10, 1, 11, 2, 12, 3, 13]);
    // unidirectional, 4 buckets: distance 0 -> bucket 0; query 1 sees key 0 at distance 1 -> bucket 1; a later key -> bucket 0
    const bias = relativePositionBias(small, { table }, { seq: "dec_seq", kvSeq: "dec_kv", bidirectional: false, maxDistance: 8 });
    expectTensor(bias, "dec_seq dec_kv heads", [0, 10, 0, 10, 1, 11, 0, 10], 0);
  });
});
