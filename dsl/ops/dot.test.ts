import { describe, expect, it } from "vitest";
import { dot } from "./dot.ts";
import { einsum } from "./einsum.ts";
import { shapeOf, t } from "./testSupport.ts";

describe("dot", () => {
  const x = t("b=2 s=3 m=4");
  const w = t("m=4 f=5");

  it("sums the listed dims and puts b's other dims where a's first summed dim was", () => {
    const h = dot(x, w, "m");
    expect(shapeOf(h)).toBe("b=2 s=3 f=5");
    expect([...h.data]).toEqual([...einsum(x, w, "b s f").data]);
    expect(shapeOf(dot(t("m=4 b=2"), w, "m"))).toBe("f=5 b=2");
  });

  it("keeps dims of both that are not listed (matched, as a batch matmul's batch)", () => {
    const q = t("b=2 s=3 h=2 d=4");
    const k = t("b=2 k=3 h=2 d=4");
    const scores = dot(q, k, "d");
    expect(shapeOf(scores)).toBe("b=2 s=3 h=2 k=3");
    expect([...scores.data]).toEqual([...einsum(q, k, "b s h k").data]);
    expect(shapeOf(dot(scores, t("b=2 k=3 h=2 d=4"), "k"))).toBe("b=2 s=3 h=2 d=4");
    expect(shapeOf(dot(q, t("h=2 d=4 m=8"), "h d"))).toBe("b=2 s=3 m=8");
  });

  it("with no dims listed sums every dim both have; none in common is the outer product", () => {
    expect([...dot(x, w).data]).toEqual([...dot(x, w, "m").data]);
    expect(shapeOf(dot(t("b=2 m=4"), t("b=2 m=4")))).toBe("");
    expect(shapeOf(dot(t("b=2"), t("f=3")))).toBe("b=2 f=3");
  });

  it("names the tensor that lacks a summed dim, and asks for at least one dim", () => {
    expect(() => dot(x, w, "s")).toThrow('dot: "s" is summed, but tensor [m=4, f=5] has no dim "s". Sum only dims that both tensors have, or fix the spelling.');
    expect(() => dot(x, w, "f")).toThrow('dot: "f" is summed, but tensor [b=2, s=3, m=4] has no dim "f".');
    expect(() => dot(x, w, "" as never)).toThrow("dot: no dims listed for tensor [b=2, s=3, m=4] and tensor [m=4, f=5]");
  });
});
