import { describe, expect, it } from "vitest";
import { dims } from "../dims.ts";
import { grad } from "../autodiff/grad.ts";
import { Tensor } from "../tensor.ts";
import { dropout, dropoutStreamKey } from "./dropout.ts";
import { mul } from "./binary.ts";
import { sum } from "./reduce.ts";
import { slice } from "./sliceConcat.ts";

const D = dims({ a: 3, b: 4, n: 20000 });
const counting = new Tensor<"a b">(D.shape("a b"), Float32Array.from({ length: 12 }, (_, index) => index + 1));
const scalar = (value: number) => new Tensor<"">([], new Float32Array([value]));

describe("dropout", () => {
  // Pinned values, computed by the independent torch port (compiler/backend/torch/runtime/meshtype_torch/seeded.py).
  it("gives the pinned masks and keys", () => {
    expect(dropoutStreamKey(0, "hidden", 0)).toEqual({ key1: 4191678255, key2: 3169606885 });
    expect(dropoutStreamKey(0, "hidden", 3)).toEqual({ key1: 1086994877, key2: 1491236984 });
    expect([...dropout(counting, 0.5, { seed: 0, name: "hidden" }).data]).toEqual([2, 4, 0, 0, 10, 12, 14, 0, 18, 0, 0, 0]);
    expect([...dropout(counting, 0.5, { seed: 0, name: "hidden", step: scalar(3) }).data]).toEqual([0, 0, 6, 8, 10, 12, 14, 16, 18, 20, 0, 24]);
  });

  it("drops about `rate` of the elements and scales the rest by 1 / (1 - rate)", () => {
    const ones = new Tensor<"n">(D.shape("n"), new Float32Array(20000).fill(1));
    const out = dropout(ones, 0.1, { seed: 5, name: "probs" });
    const dropped = out.data.filter((value) => value === 0).length;
    expect(dropped / 20000).toBeGreaterThan(0.09);
    expect(dropped / 20000).toBeLessThan(0.11);
    expect(new Set(out.data.filter((value) => value !== 0))).toEqual(new Set([Math.fround(1 / 0.9)]));
  });

  it("is the identity in evaluation and at rate 0; one key gives one mask, another name or step another", () => {
    const key = { seed: 1, name: "h" };
    expect(dropout(counting, 0.4, key, { training: false })).toBe(counting);
    expect(dropout(counting, 0, key)).toBe(counting);
    expect([...dropout(counting, 0.4, key).data]).toEqual([...dropout(counting, 0.4, key).data]);
    expect([...dropout(counting, 0.4, key).data]).not.toEqual([...dropout(counting, 0.4, { seed: 1, name: "g" }).data]);
    expect([...dropout(counting, 0.4, key).data]).not.toEqual([...dropout(counting, 0.4, { ...key, step: scalar(1) }).data]);
  });

  it("a block draws exactly the mask its region has in the whole tensor", () => {
    const whole = dropout(counting, 0.5, { seed: 2, name: "h" });
    const block = slice(slice(counting, "a", 1, 3), "b", 2, 4);
    const drawn = dropout(block, 0.5, { seed: 2, name: "h" }, { block: { a: { offset: 1, size: 3 }, b: { offset: 2, size: 4 } } });
    expect([...drawn.data]).toEqual([...slice(slice(whole, "a", 1, 3), "b", 2, 4).data]);
  });

  it("the gradient goes through the forward's mask", () => {
    const weights = new Tensor<"a b">(D.shape("a b"), Float32Array.from({ length: 12 }, (_, index) => 0.5 - index / 10));
    const key = { seed: 3, name: "h" };
    const gradient = grad((x: Tensor<"a b">) => sum(mul(dropout(x, 0.25, key), weights)))(counting);
    const kept = dropout(counting, 0.25, key).data.map((value) => (value === 0 ? 0 : 1));
    expect([...gradient.data]).toEqual([...weights.data].map((w, index) => (kept[index] ? Math.fround(w * Math.fround(1 / 0.75)) : 0)));
  });

  it("rejects a bad rate, step or block with a message that says what to pass", () => {
    expect(() => dropout(counting, 1, { seed: 0, name: "h" })).toThrow(/rate 1 is not in \[0, 1\)/);
    expect(() => dropout(counting, 0.1, { seed: 0, name: "h", step: scalar(1.5) })).toThrow(/step 1.5 is not an integer/);
    expect(() => dropout(counting, 0.1, { seed: -1, name: "h" })).toThrow(/seed -1/);
    expect(() => dropout(counting, 0.1, { seed: 0, name: "h" }, { block: { z: { offset: 0, size: 2 } } as never })).toThrow(/block names dim "z"/);
  });
});
