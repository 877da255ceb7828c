import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { logSoftmax, logsumexp, max, mean, min, softmax, sum } from "./reduce.ts";
import { allIndices, at, closeTo, dimPool, shapeOf, subsetOf, t, tensorWith, untyped } from "./testSupport.ts";

describe("reductions", () => {
  const x = t("a=2 b=3", [1, 5, 3, -4, 2, 0], "x");

  it("reduce over the listed dims, keeping the others in x's order", () => {
    expect(shapeOf(sum(x, "b"))).toBe("a=2");
    expect([...sum(x, "b").data]).toEqual([9, -2]);
    expect([...sum(x, "a").data]).toEqual([-3, 7, 3]);
    expect([...sum(x, "b a").data]).toEqual([7]);
    expect(shapeOf(sum(x, "b a"))).toBe("");
    expect([...max(x, "a").data]).toEqual([1, 5, 3]);
    expect([...min(x, "b").data]).toEqual([1, -4]);
    expect([...mean(x, "b").data]).toEqual([3, Math.fround(-2 / 3)]);
    expect(logsumexp(x, "b").data[0]).toBeCloseTo(Math.log(Math.exp(1) + Math.exp(5) + Math.exp(3)), 5);
    expect(sum(x, "b").label).toBe("sum(x)");
  });

  it("logsumexp is stable for large values and exact for -Infinity", () => {
    const big = t("v=2", [1000, 1000]);
    expect(logsumexp(big, "v").data[0]).toBeCloseTo(1000 + Math.log(2), 3);
    expect(logsumexp(t("v=2", [-Infinity, -Infinity]), "v").data[0]).toBe(-Infinity);
    expect(Number.isNaN(max(t("v=2", [NaN, 1]), "v").data[0])).toBe(true);
  });

  it("name the tensor, its dims and the fix", () => {
    expect(() => sum(x, "c")).toThrow('sum: tensor "x" [a=2, b=3] has no dim "c". Use one of its dims, or fix the spelling.');
    expect(() => mean(x, untyped(""))).toThrow('mean: no dims listed for tensor "x" [a=2, b=3]. List at least one of its dims.');
    expect(() => max(x, untyped("a a"))).toThrow('max: dim "a" is listed twice in "a a". List each dim once.');
  });

  it("match naive loops on random dims", () => {
    const cases = dimPool.chain((pool) =>
      subsetOf(pool)
        .filter((dims) => dims.length > 0)
        .chain((dims) => fc.record({ x: tensorWith(dims), reduced: fc.shuffledSubarray(dims, { minLength: 1 }) })),
    );
    fc.assert(
      fc.property(cases, ({ x: input, reduced }) => {
        const names = reduced.map((dim) => dim.name).join(" ");
        const kept = input.dims.filter((dim) => !reduced.includes(dim));
        const groups = allIndices(kept).map((outer) => allIndices(reduced).map((inner) => at(input, { ...outer, ...inner })));
        const total = (group: number[]) => group.reduce((acc, value) => acc + value, 0);
        expect(sum(input, names).names).toEqual(kept.map((dim) => dim.name));
        expect(closeTo(sum(input, names).data, groups.map(total), 1e-5)).toBe(true);
        expect(closeTo(mean(input, names).data, groups.map((group) => total(group) / group.length), 1e-5)).toBe(true);
        expect(closeTo(max(input, names).data, groups.map((group) => Math.max(...group)), 0)).toBe(true);
        expect(closeTo(min(input, names).data, groups.map((group) => Math.min(...group)), 0)).toBe(true);
        const lse = groups.map((group) => Math.log(total(group.map(Math.exp))));
        expect(closeTo(logsumexp(input, names).data, lse, 1e-5)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe("softmax and logSoftmax", () => {
  it("normalise along one dim, keeping dims", () => {
    const x = t("a=2 b=2", [0, Math.log(3), 1, 1]);
    const probs = softmax(x, "b");
    expect(shapeOf(probs)).toBe("a=2 b=2");
    expect(closeTo(probs.data, [0.25, 0.75, 0.5, 0.5])).toBe(true);
    const down = softmax(x, "a"); // columns: (0, 1) and (log 3, 1)
    expect(closeTo(down.data, [1 / (1 + Math.E), 3 / (3 + Math.E), Math.E / (1 + Math.E), Math.E / (3 + Math.E)])).toBe(true);
    expect(closeTo(logSoftmax(x, "b").data, [Math.log(0.25), Math.log(0.75), Math.log(0.5), Math.log(0.5)])).toBe(true);
  });

  it("are stable for large inputs", () => {
    const x = t("v=3", [1000, 1001, 1002]);
    expect(closeTo(softmax(x, "v").data, [0.09003057, 0.24472847, 0.66524096])).toBe(true);
    expect(closeTo(logSoftmax(x, "v").data, [-2.40760596, -1.40760596, -0.40760596])).toBe(true);
  });

  it("name the tensor when the dim is missing", () => {
    expect(() => softmax(t("a=2", undefined, "scores"), "key")).toThrow('softmax: tensor "scores" [a=2] has no dim "key".');
    expect(() => logSoftmax(t("a=2"), untyped("a b"))).toThrow('logSoftmax: expected one dim name but got "a b". Pass a single name such as "seq".');
  });
});
