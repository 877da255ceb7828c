import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Tensor } from "../tensor.ts";
import { conv2d, type Conv2dOptions } from "./conv.ts";
import { einsum } from "./einsum.ts";
import { transpose } from "./shape.ts";
import { allIndices, at, closeTo, shapeOf, t, tensorWith, untyped } from "./testSupport.ts";
import { checkGradient, randomTensor } from "../autodiff/gradCheck.ts";
import { generator } from "../testSupport.ts";

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

  it("rejects a stride that is not a positive integer and an option it does not have, naming the fix", () => {
    const image = t("h=8 w=8 ci=1");
    expect(() => looseConv(image, t("kh=2 kw=2 ci=1 co=1"), { ...roles, padding: "valid", stride: 0 })).toThrow("conv2d: stride 0 is not a positive integer");
    expect(() => looseConv(image, t("kh=2 kw=2 ci=1 co=1"), { ...roles, stride: { height: 2, width: 1.5 } })).toThrow("conv2d: stride 1.5 is not a positive integer");
    expect(() => looseConv(image, t("kh=3 kw=3 ci=1 co=1"), { ...roles, strides: 2 } as Conv2dOptions)).toThrow('conv2d: unknown option "strides"');
  });
});

/**
 * The definition of a strided conv2d, element by element, with TensorFlow's and PyTorch's sizes and
 * padding: "valid" has floor((n - k) / s) + 1 rows, "same" ceil(n / s) with max((out - 1) s + k - n, 0)
 * zero rows in all, floor(total / 2) of them before. Written from that definition, not from the plan.
 */
function naiveStrided(x: Tensor<string>, kernel: Tensor<string>, strides: readonly [number, number], paddings: readonly [string, string]) {
  const size = (tensor: Tensor<string>, name: string) => tensor.dims.find((dim) => dim.name === name)?.size ?? 0;
  const axis = (n: number, k: number, s: number, padding: string) => {
    if (padding === "valid") return { out: Math.floor((n - k) / s) + 1, before: 0 };
    const out = Math.ceil(n / s);
    return { out, before: Math.floor(Math.max((out - 1) * s + k - n, 0) / 2) };
  };
  const [kh, kw, ci, co] = [size(kernel, "kh"), size(kernel, "kw"), size(kernel, "ci"), size(kernel, "co")];
  const rows = axis(size(x, "h"), kh, strides[0], paddings[0]);
  const columns = axis(size(x, "w"), kw, strides[1], paddings[1]);
  const values: number[] = [];
  for (let b = 0; b < size(x, "b"); b++) for (let h = 0; h < rows.out; h++) for (let w = 0; w < columns.out; w++) for (let o = 0; o < co; o++) {
    let total = 0;
    for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) {
      const [row, column] = [h * strides[0] + i - rows.before, w * strides[1] + j - columns.before];
      if (row < 0 || row >= size(x, "h") || column < 0 || column >= size(x, "w")) continue;
      for (let c = 0; c < ci; c++) total += at(x, { b, h: row, w: column, ci: c }) * at(kernel, { kh: i, kw: j, ci: c, co: o });
    }
    values.push(total);
  }
  return { shape: `b=${size(x, "b")} h=${rows.out} w=${columns.out} co=${co}`, values };
}

describe("conv2d with any stride and window", () => {
  it("a 3x3 window at stride 2, 'same' on 5 x 5 (overlapping windows, hand-computed): 3 x 3 rows, one zero row before and after", () => {
    const image = t("b=1 h=5 w=5 ci=1", Array.from({ length: 25 }, (_, index) => index + 1));
    const y = conv2d(image, t("kh=3 kw=3 ci=1 co=1", Array(9).fill(1)), { ...roles, stride: 2 });
    expect(shapeOf(y)).toBe("b=1 h=3 w=3 co=1");
    // total padding (3 - 1) * 2 + 3 - 5 = 2: one row before; the window at output (0, 0) covers rows and columns -1..1
    expect([...y.data]).toEqual([16, 33, 28, 69, 117, 87, 76, 123, 88]);
  });

  it("an even window: 'same' pads the odd row after (2x2 on 3 x 3 keeps 3 x 3), 'valid' keeps n - k + 1", () => {
    const image = t("b=1 h=3 w=3 ci=1", [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const y = conv2d(image, t("kh=2 kw=2 ci=1 co=1", [1, 1, 1, 1]), roles);
    expect(shapeOf(y)).toBe("b=1 h=3 w=3 co=1");
    expect([...y.data]).toEqual([12, 16, 9, 24, 28, 15, 15, 17, 9]);
    const valid = conv2d(image, t("kh=2 kw=2 ci=1 co=1", [1, 1, 1, 1]), { ...roles, padding: "valid" });
    expect([...valid.data]).toEqual([12, 16, 24, 28]);
  });

  it("equals the definition for random sizes, windows 1-4, strides 1-3 per dim (below, at and above the window) and paddings", () => {
    const cases = fc.record({
      b: fc.integer({ min: 1, max: 2 }), h: fc.integer({ min: 4, max: 7 }), w: fc.integer({ min: 4, max: 7 }),
      ci: fc.integer({ min: 1, max: 2 }), co: fc.integer({ min: 1, max: 2 }),
      kh: fc.integer({ min: 1, max: 4 }), kw: fc.integer({ min: 1, max: 4 }), sh: fc.integer({ min: 1, max: 3 }), sw: fc.integer({ min: 1, max: 3 }),
      ph: fc.constantFrom("same", "valid"), pw: fc.constantFrom("same", "valid"),
    }).chain((sizes) => fc.tuple(
      fc.constant(sizes),
      tensorWith([{ name: "b", size: sizes.b }, { name: "h", size: sizes.h }, { name: "w", size: sizes.w }, { name: "ci", size: sizes.ci }]),
      tensorWith([{ name: "kh", size: sizes.kh }, { name: "kw", size: sizes.kw }, { name: "ci", size: sizes.ci }, { name: "co", size: sizes.co }]),
    ));
    fc.assert(fc.property(cases, ([sizes, input, kernel]) => {
      const padding = { height: sizes.ph, width: sizes.pw } as const;
      const y = looseConv(input, kernel, { ...roles, padding, stride: { height: sizes.sh, width: sizes.sw } });
      const expected = naiveStrided(input, kernel, [sizes.sh, sizes.sw], [sizes.ph, sizes.pw]);
      expect(shapeOf(y)).toBe(expected.shape);
      expect(closeTo(y.data, expected.values, 1e-5)).toBe(true);
    }), { numRuns: 80 });
  });

  it("its gradients (through the plan's slices, concats and einsums) equal central differences", () => {
    const next = generator(5);
    for (const [stride, padding, kh] of [[2, "same", 3], [2, "valid", 3], [1, "same", 2], [3, "same", 2]] as const) {
      const rows = checkGradient({
        name: `stride ${stride} ${padding} ${kh}x${kh}`,
        inputs: [randomTensor("b=1 h=5 w=4 ci=2", next), randomTensor(`kh=${kh} kw=${kh} ci=2 co=2`, next)],
        fn: ([input, kernel]) => looseConv(input, kernel, { ...roles, padding, stride }),
      });
      for (const row of rows) expect(Math.abs(row.analytic - row.numeric), `stride ${stride} ${padding}: input ${row.input}`).toBeLessThan(3e-3 * Math.max(1, Math.abs(row.numeric)));
    }
  });
});
