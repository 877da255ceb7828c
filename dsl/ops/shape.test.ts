import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { alignAs, mergeDims, rename, splitDim, transpose } from "./shape.ts";
import { allIndices, at, dimPool, shapeOf, subsetOf, t, tensorWith } from "./testSupport.ts";

describe("rename", () => {
  it("renames in place and keeps the data", () => {
    const x = t("a=2 b=3", undefined, "x");
    const y = rename(x, "a", "z");
    expect(shapeOf(y)).toBe("z=2 b=3");
    expect(y.data).toBe(x.data);
    expect(() => rename(x, "a", "b")).toThrow('rename: tensor "x" [a=2, b=3] already has a dim "b". Pick another name, or rename the existing dim first.');
    expect(() => rename(x, "q", "z")).toThrow('rename: tensor "x" [a=2, b=3] has no dim "q".');
  });
});

describe("transpose", () => {
  it("reorders the data", () => {
    const x = t("a=2 b=3"); // 0..5
    const y = transpose(x, "b a");
    expect(shapeOf(y)).toBe("b=3 a=2");
    expect([...y.data]).toEqual([0, 3, 1, 4, 2, 5]);
    expect(() => transpose(t("a=2 b=3 c=1", undefined, "x"), "c a")).toThrow(
      'transpose: "c a" leaves out dim "b" of tensor "x" [a=2, b=3, c=1]. List every dim of the tensor once, in the new order.',
    );
  });

  it("keeps every element at its named index (random permutations)", () => {
    const cases = dimPool.chain((pool) =>
      subsetOf(pool).chain((dims) => tensorWith(dims)).chain((x) =>
        fc.record({ x: fc.constant(x), perm: fc.shuffledSubarray([...x.dims], { minLength: x.dims.length, maxLength: x.dims.length }) }),
      ),
    );
    fc.assert(
      fc.property(cases, ({ x, perm }) => {
        const y = transpose(x, perm.map((dim) => dim.name).join(" "));
        for (const index of allIndices(y.dims)) expect(at(y, index)).toBe(at(x, index));
      }),
      { numRuns: 100 },
    );
  });
});

describe("splitDim and mergeDims", () => {
  it("split a dim in place, first name major, inferring one size", () => {
    const x = t("b=2 m=6"); // 0..11
    const y = splitDim(x, "m", "h k", { h: 2 });
    expect(shapeOf(y)).toBe("b=2 h=2 k=3");
    expect(y.data).toBe(x.data);
    // element (b, h, k) = x[b, h * 3 + k]
    expect(at(y, { b: 1, h: 1, k: 0 })).toBe(at(x, { b: 1, m: 3 }));
    expect(() => splitDim(x, "m", "h k", { h: 4 })).toThrow(
      'splitDim: dim "m" of tensor [b=2, m=6] has size 6, which "h k" with sizes h=4, k=? cannot split. Choose sizes whose product is 6, or that divide 6.',
    );
  });

  it("merge dims at the first listed name's position, listed order major", () => {
    const x = t("a=2 b=3 c=2"); // 0..11
    const y = mergeDims(x, "c a", "m");
    expect(shapeOf(y)).toBe("b=3 m=4");
    // element (b, m = c * 2 + a) = x[a, b, c]
    for (const index of allIndices(x.dims)) expect(at(y, { b: index.b, m: index.c * 2 + index.a })).toBe(at(x, index));
    expect(mergeDims(t("h=2 k=3"), "h k", "d").shape).toEqual([6]);
    expect(() => mergeDims(x, "a b", "c")).toThrow('mergeDims: tensor [a=2, b=3, c=2] already has a dim "c".');
  });

  it("merge undoes split", () => {
    const x = t("b=2 m=12 s=1");
    const back = mergeDims(splitDim(x, "m", "h k j", { h: 2, j: 3 }), "h k j", "m");
    expect(shapeOf(back)).toBe("b=2 m=12 s=1");
    expect([...back.data]).toEqual([...x.data]);
  });
});

describe("alignAs", () => {
  it("puts y's dims in like's order, and returns y itself when they already are", () => {
    const y = t("b=2 a=3");
    const like = t("a=3 b=2");
    expect(shapeOf(alignAs(y, like))).toBe("a=3 b=2");
    expect([...alignAs(y, like).data]).toEqual([0, 3, 1, 4, 2, 5]);
    expect(alignAs(like, like)).toBe(like);
  });

  it("names both tensors when y's dims are not like's (a name or a size)", () => {
    expect(() => alignAs(t("a=3 c=2", undefined, "y"), t("a=3 b=2", undefined, "x"))).toThrow(
      'alignAs: tensor "y" [a=3, c=2] does not have the dims of tensor "x" [a=3, b=2]. Give it exactly those dims, in any order.',
    );
    expect(() => alignAs(t("a=3 b=4"), t("a=3 b=2"))).toThrow("does not have the dims of");
  });
});
