import { describe, expect, it } from "vitest";
import type { Dim } from "../tensor.ts";
import {
  broadcastDims, concatDims, einsumDims, einsumSummedDims, gatherDims, mergedDims, oneHotDims, reduceDims, regionDims,
  relayoutRules, renameDims, sliceDims, softmaxDims, splitDims, transposeDims, whereDims,
} from "./shapeRules.ts";

/** `"a=2 b=3"` -> dims. */
function d(spec: string): Dim[] {
  return spec.split(" ").filter(Boolean).map((part) => {
    const [name, size] = part.split("=");
    return { name, size: Number(size) };
  });
}
/** dims -> `"a=2 b=3"`. */
function s(dims: readonly Dim[]): string {
  return dims.map((dim) => `${dim.name}=${dim.size}`).join(" ");
}

describe("einsumDims", () => {
  it("takes out dims with their sizes from either input", () => {
    expect(s(einsumDims([d("b=2 i=3"), d("i=3 o=4")], "o b"))).toBe("o=4 b=2");
    expect(s(einsumDims([d("b=2 i=3")], ""))).toBe("");
    expect(s(einsumSummedDims([d("b=2 i=3"), d("i=3 o=4")], ["b", "o"]))).toBe("i=3");
  });
  it("names the stray out dim and the inputs", () => {
    expect(() => einsumDims([d("b=2 i=3"), d("i=3 o=4")], "b x", ['tensor "x"', 'tensor "w"'])).toThrow(
      'einsum: output dim "x" of "b x" is in no input (tensor "x" [b=2, i=3], tensor "w" [i=3, o=4]). Use only dims of the inputs, or fix the spelling.',
    );
  });
  it("rejects a repeated out dim, mismatched sizes and bad arity", () => {
    expect(() => einsumDims([d("b=2")], "b b")).toThrow('einsum: dim "b" is listed twice in "b b". List each dim once.');
    expect(() => einsumDims([d("b=2 i=3"), d("i=5")], "b")).toThrow(
      'einsum: dim "i" has size 3 in einsum input 1 [b=2, i=3] but 5 in einsum input 2 [i=5].',
    );
    expect(() => einsumDims([], "b")).toThrow(/einsum takes 1 or 2 input tensors but got 0/);
  });
});

describe("broadcastDims and whereDims", () => {
  it("keeps a's dims, then b's new ones", () => {
    expect(s(broadcastDims(d("a=2 b=3"), d("c=4 a=2")))).toBe("a=2 b=3 c=4");
    expect(s(whereDims(d("z=5 a=2"), d("a=2"), d("b=3")))).toBe("a=2 b=3 z=5");
  });
  it("names both tensors when a dim has two sizes", () => {
    expect(() => broadcastDims(d("a=2"), d("a=3"), ['tensor "p"', 'tensor "q"'], "add")).toThrow(
      'add: dim "a" has size 2 in tensor "p" [a=2] but 3 in tensor "q" [a=3]. A dim name has one size',
    );
  });
});

describe("reduce, softmax, rename, transpose", () => {
  it("computes result dims", () => {
    expect(s(reduceDims(d("a=2 b=3 c=4"), "c a"))).toBe("b=3");
    expect(s(softmaxDims(d("a=2 b=3"), "b"))).toBe("a=2 b=3");
    expect(s(renameDims(d("a=2 b=3"), "a", "z"))).toBe("z=2 b=3");
    expect(s(transposeDims(d("a=2 b=3 c=4"), "c a b"))).toBe("c=4 a=2 b=3");
  });
  it("names the tensor, its dims and the fix", () => {
    expect(() => reduceDims(d("a=2 b=3"), "c", 'tensor "h"', "sum")).toThrow(
      'sum: tensor "h" [a=2, b=3] has no dim "c". Use one of its dims, or fix the spelling.',
    );
    expect(() => reduceDims(d("a=2"), "", "tensor", "mean")).toThrow("mean: no dims listed for tensor [a=2]. List at least one of its dims.");
    expect(() => softmaxDims(d("a=2"), "b")).toThrow('softmax: tensor [a=2] has no dim "b".');
    expect(() => renameDims(d("a=2 b=3"), "a", "b")).toThrow('rename: tensor [a=2, b=3] already has a dim "b". Pick another name');
    expect(() => transposeDims(d("a=2 b=3 c=4"), "c a")).toThrow(
      'transpose: "c a" leaves out dim "b" of tensor [a=2, b=3, c=4]. List every dim of the tensor once, in the new order.',
    );
    expect(() => transposeDims(d("a=2 b=3"), "b a a")).toThrow('transpose: dim "a" is listed twice in "b a a".');
  });
});

describe("splitDims and mergedDims", () => {
  it("splits at the dim's position, inferring one size", () => {
    expect(s(splitDims(d("b=2 m=12 s=5"), "m", "h k", { h: 3 }))).toBe("b=2 h=3 k=4 s=5");
    expect(s(splitDims(d("m=12"), "m", "m k", { m: 6, k: 2 }))).toBe("m=6 k=2");
  });
  it("rejects bad sizes with the fix", () => {
    expect(() => splitDims(d("m=12"), "m", "h k", { h: 5 })).toThrow(
      'splitDim: dim "m" of tensor [m=12] has size 12, which "h k" with sizes h=5, k=? cannot split. Choose sizes whose product is 12, or that divide 12.',
    );
    expect(() => splitDims(d("m=12"), "m", "h k", { h: 3, k: 3 })).toThrow(/cannot split/);
    expect(() => splitDims(d("m=12"), "m", "h k", { z: 3 })).toThrow('splitDim: the sizes give "z", which is not one of the new dims "h k".');
    expect(() => splitDims(d("m=12"), "m", "h k j", { h: 3 })).toThrow('splitDim: the sizes leave out both "k" and "j" of "h k j".');
    expect(() => splitDims(d("m=12 k=2"), "m", "h k", { h: 6 })).toThrow('splitDim: tensor [m=12, k=2] already has a dim "k".');
  });
  it("merges at the first listed name's position, listed order major", () => {
    expect(s(mergedDims(d("a=2 b=3 c=4"), "c a", "m"))).toBe("b=3 m=8");
    expect(s(mergedDims(d("h=2 k=3"), "h k", "h"))).toBe("h=6");
    expect(() => mergedDims(d("a=2 b=3 c=4"), "a b", "c")).toThrow('mergeDims: tensor [a=2, b=3, c=4] already has a dim "c".');
    expect(() => mergedDims(d("a=2"), "a z", "m")).toThrow('mergeDims: tensor [a=2] has no dim "z".');
  });
});

describe("slice, concat, oneHot, gather, relayout, region", () => {
  it("computes result dims", () => {
    expect(s(sliceDims(d("a=2 s=8"), "s", 2, 5))).toBe("a=2 s=3");
    expect(s(concatDims([d("a=2 s=3"), d("a=2 s=5")], "s"))).toBe("a=2 s=8");
    expect(s(oneHotDims(d("b=2 s=3"), "v", 7))).toBe("b=2 s=3 v=7");
    expect(s(gatherDims(d("v=7 e=4"), d("b=2 s=3"), "v"))).toBe("b=2 s=3 e=4");
    expect(relayoutRules(d("a=2 s=8"), "s:model")).toEqual([{ dim: "s", axis: "model" }]);
    expect(s(regionDims(d("a=4 b=6"), { b: [2, 5] }))).toBe("a=4 b=3");
  });
  it("names the tensors and the fix", () => {
    expect(() => sliceDims(d("s=8"), "s", 4, 9)).toThrow('slice: [4, 9) is not a range of dim "s" (size 8) of tensor [s=8]. Use integers with 0 <= start < stop <= 8.');
    expect(() => concatDims([d("a=2 s=3"), d("s=3 a=2")], "s", ['tensor "p"', 'tensor "q"'])).toThrow(
      'concat along "s": the inputs have different dims (tensor "p" [a=2, s=3], tensor "q" [s=3, a=2]). Give them the same dims in the same order: transpose them first.',
    );
    expect(() => concatDims([d("a=2 s=3"), d("a=3 s=3")], "s")).toThrow(
      'concat along "s": dim "a" has size 2 in concat input 1 [a=2, s=3] but 3 in concat input 2 [a=3, s=3].',
    );
    expect(() => oneHotDims(d("v=2"), "v", 3)).toThrow('oneHot: tensor [v=2] already has a dim "v".');
    expect(() => oneHotDims(d("b=2"), "v", 0)).toThrow('oneHot: new dim "v" has size 0; a size is a positive integer.');
    expect(() => gatherDims(d("v=7 e=4"), d("e=4"), "v")).toThrow(
      'gather: dim "e" is in both the ids tensor [e=4] and the table tensor [v=7, e=4], so the result would have it twice. Rename it in one of them.',
    );
    expect(() => gatherDims(d("e=4"), d("b=2"), "v")).toThrow('gather: tensor [e=4] has no dim "v".');
    expect(() => relayoutRules(d("a=2"), "s:model")).toThrow('relayout: tensor [a=2] has no dim "s".');
    expect(() => relayoutRules(d("a=2 s=4"), "a:model, s:model")).toThrow(/puts two dims of tensor \[a=2, s=4\], "a" and "s", on mesh axis "model"/);
    expect(() => regionDims(d("a=4"), { a: [3, 3] })).toThrow(/region: \[3, 3\) is not a range of dim "a"/);
  });
});
