import { describe, expect, it } from "vitest";
import { gather, oneHot } from "./embedding.ts";
import { relayout } from "./relayout.ts";
import { concat, slice } from "./sliceConcat.ts";
import { at, shapeOf, t, untyped } from "./testSupport.ts";

describe("slice", () => {
  it("takes [start, stop) along one dim", () => {
    const x = t("a=2 s=4"); // 0..7
    const y = slice(x, "s", 1, 3);
    expect(shapeOf(y)).toBe("a=2 s=2");
    expect([...y.data]).toEqual([1, 2, 5, 6]);
    expect([...slice(x, "a", 1, 2).data]).toEqual([4, 5, 6, 7]);
    expect(() => slice(t("s=4", undefined, "x"), "s", 2, 5)).toThrow(
      'slice: [2, 5) is not a range of dim "s" (size 4) of tensor "x" [s=4]. Use integers with 0 <= start < stop <= 4.',
    );
  });
});

describe("concat", () => {
  it("joins along one dim, undoing slices", () => {
    const x = t("a=2 s=5");
    const parts = [slice(x, "s", 0, 2), slice(x, "s", 2, 3), slice(x, "s", 3, 5)];
    const joined = concat(parts, "s");
    expect(shapeOf(joined)).toBe("a=2 s=5");
    expect([...joined.data]).toEqual([...x.data]);
    expect([...concat([t("a=1 s=2", [1, 2]), t("a=2 s=2", [3, 4, 5, 6])], "a").data]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("names the inputs that differ", () => {
    expect(() => concat([t("a=2 s=3", undefined, "p"), t("s=3 a=2", undefined, "q")], "s")).toThrow(
      'concat along "s": the inputs have different dims (tensor "p" [a=2, s=3], tensor "q" [s=3, a=2]). Give them the same dims in the same order: transpose them first.',
    );
    expect(() => concat([t("a=2 s=3", undefined, "p"), t("a=3 s=1", undefined, "q")], "s")).toThrow(
      'concat along "s": dim "a" has size 2 in tensor "p" [a=2, s=3] but 3 in tensor "q" [a=3, s=1].',
    );
  });
});

describe("oneHot and gather", () => {
  const ids = t("b=3", [2, 0, 5], "tokens");

  it("oneHot appends the new dim; out-of-range ids give zeros", () => {
    const hot = oneHot(ids, "v", 4);
    expect(shapeOf(hot)).toBe("b=3 v=4");
    expect([...hot.data]).toEqual([0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
    expect(() => oneHot(ids, "b", 4)).toThrow('oneHot: tensor "tokens" [b=3] already has a dim "b".');
    expect(() => oneHot(t("b=1", [0.5], "ids"), "v", 4)).toThrow('oneHot: id 0.5 at position 0 of tensor "ids" [b=1] is not a whole number.');
  });

  it("gather looks rows up by id: ids' dims, then the table's others", () => {
    const table = t("e=2 v=3", [0, 1, 2, 10, 11, 12], "wte"); // (e, v) -> e * 10 + v
    const looked = gather(table, t("b=2", [2, 0]), "v");
    expect(shapeOf(looked)).toBe("b=2 e=2");
    expect([...looked.data]).toEqual([2, 12, 0, 10]);
    expect(at(looked, { b: 0, e: 1 })).toBe(12);
    expect(() => gather(table, ids, "v")).toThrow(
      'gather: id 5 at position 2 of tensor "tokens" [b=3] is outside dim "v" (size 3) of tensor "wte" [e=2, v=3]. Ids must be in [0, 3).',
    );
    expect(() => gather(table, t("e=2", [0, 1], "ids"), "v")).toThrow(
      'gather: dim "e" is in both the ids tensor "ids" [e=2] and the table tensor "wte" [e=2, v=3], so the result would have it twice.',
    );
  });

  it("gather equals oneHot then einsum", () => {
    const table = t("v=3 e=2", [1, 2, 3, 4, 5, 6]);
    const tokens = t("b=2 s=2", [0, 2, 1, 1]);
    const looked = gather(table, tokens, "v");
    expect(shapeOf(looked)).toBe("b=2 s=2 e=2");
    expect([...looked.data]).toEqual([1, 2, 5, 6, 3, 4, 3, 4]);
  });
});

describe("relayout", () => {
  it("is the identity and checks the constraint against x", () => {
    const x = t("a=2 s=4", undefined, "h");
    expect(relayout(x, "s:model")).toBe(x);
    expect(relayout(x, "")).toBe(x);
    expect(() => relayout(x, "d_ff:model")).toThrow('relayout: tensor "h" [a=2, s=4] has no dim "d_ff".');
    expect(() => relayout(x, "a:model, s:model")).toThrow(
      'relayout "a:model, s:model" puts two dims of tensor "h" [a=2, s=4], "a" and "s", on mesh axis "model".',
    );
    expect(() => relayout(x, untyped("s=model"))).toThrow(/Cannot read "s=model" in layout "s=model"/);
  });
});
