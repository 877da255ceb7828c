import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Tensor } from "../tensor.ts";
import { conv2d, type Conv2dOptions } from "./conv.ts";
import { einsum } from "./einsum.ts";
import { transpose } from "./shape.ts";
import { allIndices, at, closeTo, shapeOf, t, tensorWith, untyped } from "./testSupport.ts";

const roles = { height: "h", width: "w", kernelHeight: "kh", kernelWidth: "kw", in: "ci", out: "co" } as const;

/** conv2d through a loose signature, for the cases whose names tsc would reject. */
function looseConv(x: Tensor<string>, kernel: Tensor<string>, options: Conv2dOptions): Tensor<string> {
  return (conv2d as (x: Tensor<string>, kernel: Tensor<string>, options: Conv2dOptions) => Tensor<string>)(x, kernel, options);
}

/** The definition, element by element, by name: the reference for the property test. */
function naive(x: Tensor<string>, kernel: Tensor<string>, result: Tensor<string>, same: boolean): number[] {
  const size = (tensor: Tensor<string>, name: string) => tensor.dims.find((dim) => dim.name === name)?.size ?? 0;
  const [kh, kw, ci] = [size(kernel, "kh"), size(kernel, "kw"), size(kernel, "ci")];
  const [ph, pw] = same ? [(kh - 1) / 2, (kw - 1) / 2] : [0, 0];
  return allIndices(result.dims).map((index) => {
    let total = 0;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const [row, column] = [index.h + i - ph, index.w + j - pw];
        if (row < 0 || row >= size(x, "h") || column < 0 || column >= size(x, "w")) continue;
        for (let c = 0; c < ci; c++) total += at(x, { ...index, h: row, w: column, ci: c }) * at(kernel, { kh: i, kw: j, ci: c, co: index.co });
      }
    }
    return total;
  });
}

describe("conv2d", () => {
  const x = t("h=3 w=3 ci=1", [1, 2, 3, 4, 5, 6, 7, 8, 9], "x");

  it("sums each 3x3 neighbourhood with zeros outside ('same', hand-computed)", () => {
    const y = conv2d(x, t("kh=3 kw=3 ci=1 co=1", Array(9).fill(1), "k"), roles);
    expect(shapeOf(y)).toBe("h=3 w=3 co=1");
    expect([...y.data]).toEqual([12, 21, 16, 27, 45, 33, 24, 39, 28]);
  });

  it("'valid' keeps only the windows inside x", () => {
    const y = conv2d(x, t("kh=3 kw=3 ci=1 co=1", Array(9).fill(1)), { ...roles, padding: "valid" });
    expect(shapeOf(y)).toBe("h=1 w=1 co=1");
    expect([...y.data]).toEqual([45]);
    const rows = conv2d(x, t("kh=3 kw=1 ci=1 co=1", [1, 1, 1]), { ...roles, padding: { height: "valid", width: "same" } });
    expect(shapeOf(rows)).toBe("h=1 w=3 co=1");
    expect([...rows.data]).toEqual([12, 15, 18]);
  });

  it("is a correlation (the kernel is not flipped): a 1 at the window's top-left reads x[h-1, w-1]", () => {
    const y = conv2d(x, t("kh=3 kw=3 ci=1 co=1", [1, 0, 0, 0, 0, 0, 0, 0, 0]), roles);
    expect([...y.data]).toEqual([0, 0, 0, 0, 1, 2, 0, 4, 5]);
  });

  it("a 1x1 kernel is an einsum over the channels; other dims of x are carried in x's order", () => {
    const input = t("ci=2 b=2 h=2 w=3");
    const kernel = t("kh=1 kw=1 ci=2 co=3", [1, -1, 2, 0.5, 3, -2]);
    const y = conv2d(input, kernel, roles);
    expect(shapeOf(y)).toBe("co=3 b=2 h=2 w=3");
    expect([...y.data]).toEqual([...einsum(input, kernel, "co b h w").data]);
  });

  it("equals the definition for random sizes, dim orders and paddings", () => {
    const cases = fc.record({
      b: fc.integer({ min: 1, max: 2 }), h: fc.integer({ min: 3, max: 5 }), w: fc.integer({ min: 3, max: 5 }),
      ci: fc.integer({ min: 1, max: 3 }), co: fc.integer({ min: 1, max: 2 }),
      kh: fc.constantFrom(1, 3), kw: fc.constantFrom(1, 3), same: fc.boolean(), flip: fc.boolean(),
    }).chain((sizes) => fc.tuple(
      fc.constant(sizes),
      tensorWith([{ name: "b", size: sizes.b }, { name: "h", size: sizes.h }, { name: "w", size: sizes.w }, { name: "ci", size: sizes.ci }]),
      tensorWith([{ name: "kh", size: sizes.kh }, { name: "kw", size: sizes.kw }, { name: "ci", size: sizes.ci }, { name: "co", size: sizes.co }]),
    ));
    fc.assert(fc.property(cases, ([sizes, input, kernel]) => {
      const ordered = sizes.flip ? transpose(input, untyped("w ci b h")) : input;
      const y = looseConv(ordered, kernel, { ...roles, padding: sizes.same ? "same" : "valid" });
      expect(closeTo(y.data, naive(ordered, kernel, y, sizes.same), 1e-5)).toBe(true);
    }), { numRuns: 60 });
  });

  it("names the role, the dim and the tensor when the options do not fit", () => {
    const kernel = t("kh=3 kw=3 ci=1 co=2", undefined, "k");
    expect(() => looseConv(x, kernel, { ...roles, height: "rows" })).toThrow('conv2d: height "rows" is not a dim of tensor "x" [h=3, w=3, ci=1]. Name one of its dims, or fix the spelling.');
    expect(() => looseConv(x, kernel, { ...roles, width: "h" })).toThrow('conv2d: height and width are both "h". Give each role its own dim.');
    expect(() => looseConv(x, kernel, { ...roles, out: "w" })).toThrow('conv2d: out "w" is not a dim of tensor "k"');
    expect(() => looseConv(x, t("kh=3 kw=3 ci=1 w=2"), { ...roles, out: "w" })).toThrow('conv2d: out "w" is already a dim of tensor "x" [h=3, w=3, ci=1]. Give the output channels a name the input does not have.');
    expect(() => looseConv(x, t("kh=3 kw=3 ci=1 co=2 g=2", undefined, "k"), roles)).toThrow('conv2d: kernel tensor "k" [kh=3, kw=3, ci=1, co=2, g=2] has dim "g", which is not kernelHeight, kernelWidth, in or out.');
    expect(() => looseConv(x, t("kh=2 kw=3 ci=1 co=2"), roles)).toThrow('conv2d: kernelHeight "kh" has size 2; the window must have an odd size (it is centred on each element). Use 1 or 3.');
    expect(() => looseConv(x, t("kh=3 kw=3 ci=2 co=2", undefined, "k"), roles)).toThrow('conv2d: in "ci" has size 1 in tensor "x" [h=3, w=3, ci=1] but 2 in kernel tensor "k" [kh=3, kw=3, ci=2, co=2].');
    expect(() => looseConv(t("h=2 w=3 ci=1"), kernel, { ...roles, padding: "valid" })).toThrow('conv2d: height "h" has size 2, less than the window (3) with padding "valid".');
    expect(() => looseConv(x, kernel, { ...roles, padding: untyped("full") as "same" })).toThrow('conv2d: padding "full" is not "same" or "valid".');
  });

  it("with stride equal to an even window cuts non-overlapping patches (a size the window does not divide drops its last rows)", () => {
    const image = t("b=2 h=9 w=8 ci=3");
    const kernel = t("kh=4 kw=2 ci=3 co=5", Array.from({ length: 120 }, (_, index) => Math.sin(index)));
    const y = conv2d(image, kernel, { ...roles, padding: "valid", stride: { height: 4, width: 2 } });
    expect(shapeOf(y)).toBe("b=2 h=2 w=4 co=5");
    const expected = allIndices(y.dims).map((index) => {
      let total = 0;
      for (let i = 0; i < 4; i++) for (let j = 0; j < 2; j++) for (let c = 0; c < 3; c++) {
        total += at(image, { b: index.b, h: index.h * 4 + i, w: index.w * 2 + j, ci: c }) * at(kernel, { kh: i, kw: j, ci: c, co: index.co });
      }
      return total;
    });
    expect(closeTo([...y.data], expected)).toBe(true);
  });

  it("rejects a stride that would overlap or skip, and an option it does not have, naming the fix", () => {
    const image = t("h=8 w=8 ci=1");
    expect(() => looseConv(image, t("kh=3 kw=3 ci=1 co=1"), { ...roles, padding: "valid", stride: 2 })).toThrow(
      'conv2d: stride 2 on height "h" with a window of 3 and padding "valid": a strided conv2d cuts non-overlapping patches',
    );
    expect(() => looseConv(image, t("kh=2 kw=2 ci=1 co=1"), { ...roles, stride: 2 })).toThrow('Use stride 2 with padding "valid" there');
    expect(() => looseConv(image, t("kh=2 kw=2 ci=1 co=1"), { ...roles, padding: "valid", stride: 0 })).toThrow("conv2d: stride 0 is not a positive integer");
    expect(() => looseConv(image, t("kh=3 kw=3 ci=1 co=1"), { ...roles, strides: 2 } as Conv2dOptions)).toThrow('conv2d: unknown option "strides"');
  });
});
