import { describe, expect, it } from "vitest";
import { grad } from "../autodiff/grad.ts";
import { eagerEmitter } from "../autodiff/eagerEmitter.ts";
import { randomTensor } from "../autodiff/gradCheck.ts";
import { geluSlope, normalizeGradFormula } from "../autodiff/rules/fused.ts";
import type { Tensor } from "../tensor.ts";
import { generator } from "../testSupport.ts";
import { add, mul, sub } from "./binary.ts";
import { geluGrad, normalize, normalizeGrad } from "./fused.ts";
import { mean, sum } from "./reduce.ts";
import { t } from "./testSupport.ts";
import { rsqrt, square } from "./unary.ts";

// The fused ops against the formulas they replace, written with the plain ops (as stdlib's layerNorm was).
type T = Tensor<string>;
const next = generator(7);
const random = (spec: string): T => randomTensor(spec, next);
const loose = <F>(fn: F) => fn as unknown as (...args: unknown[]) => T;

/** `(x - mean) * rsqrt(var + epsilon)` with the plain eager ops, in x's dims. */
function composedNorm(x: T, dim: string, epsilon: number): T {
  const centered = loose(sub)(x, loose(mean)(x, dim));
  return loose(mul)(centered, loose(rsqrt)(loose(add)(loose(mean)(loose(square)(centered), dim), epsilon)));
}

function maxDifference(a: T, b: T): number {
  expect(a.dims).toEqual(b.dims);
  return a.data.reduce((worst, value, index) => Math.max(worst, Math.abs(value - b.data[index])), 0);
}

describe("normalize", () => {
  it("equals the composed layer norm over the last dim and over a leading dim", () => {
    const x = random("b=3 s=2 d=8");
    expect(maxDifference(loose(normalize)(x, "d", 1e-5), composedNorm(x, "d", 1e-5))).toBeLessThan(1e-5);
    expect(maxDifference(loose(normalize)(x, "b", 0.1), composedNorm(x, "b", 0.1))).toBeLessThan(1e-5);
  });

  it("gives each row mean 0 and variance 1 / (1 + epsilon / variance): a row [1, 2, 3, 4]", () => {
    const y = loose(normalize)(t("r=1 d=4", [1, 2, 3, 4]), "d", 0);
    const r = 1 / Math.sqrt(1.25);
    expect([...y.data].map((v) => Number(v.toFixed(6)))).toEqual([-1.5 * r, -0.5 * r, 0.5 * r, 1.5 * r].map((v) => Number(Math.fround(v).toFixed(6))));
  });

  it("names the tensor and the missing dim", () => {
    expect(() => loose(normalize)(t("b=2 d=3", undefined, "x"), "e", 1e-5)).toThrow('normalize: tensor "x" [b=2, d=3] has no dim "e"');
  });
});

describe("normalizeGrad", () => {
  it("equals the gradient of <composed norm(x), g> in x, over the last dim and over a leading dim", () => {
    for (const [dim, epsilon] of [["d", 1e-5], ["b", 0.1]] as const) {
      const [x, g] = [random("b=3 d=5"), random("b=3 d=5")];
      const expected = grad((v: T) => sum(loose(mul)(composedNorm(v, dim, epsilon), g)))(x);
      expect(maxDifference(loose(normalizeGrad)(x, g, dim, epsilon), expected)).toBeLessThan(1e-5);
    }
  });

  it("reads g by dim name (g in another order) and equals its own formula in the plain ops", () => {
    const x = random("b=2 s=3 d=4");
    const g = random("d=4 b=2 s=3");
    const fused = loose(normalizeGrad)(x, g, "d", 1e-5);
    expect(fused.dims.map((dim) => dim.name)).toEqual(["b", "s", "d"]);
    expect(maxDifference(fused, normalizeGradFormula(eagerEmitter, x, g, "d", 1e-5))).toBeLessThan(1e-5);
  });

  it("names a cotangent whose dims are not x's", () => {
    expect(() => loose(normalizeGrad)(t("b=2 d=3", undefined, "x"), t("b=2 e=3", undefined, "g"), "d", 1e-5)).toThrow(/normalizeGrad: .*has no dim "e"/);
  });
});

describe("geluGrad", () => {
  it("equals g times GELU's slope written with the plain ops", () => {
    const x = t("b=2 d=5", [-3, -1, -0.2, 0, 0.1, 0.5, 1, 2, 4, -6]);
    const g = random("b=2 d=5");
    const expected = loose(mul)(geluSlope(eagerEmitter, x), g);
    expect(maxDifference(geluGrad(x, g), expected)).toBeLessThan(1e-6);
  });

  it("is the slope at known points: gelu'(0) = 0.5, gelu'(x) -> 1 for large x and -> 0 for very negative x", () => {
    const x = t("d=3", [0, 10, -10]);
    expect([...geluGrad(x, t("d=3", [1, 1, 1])).data].map((v) => Number(v.toFixed(5)))).toEqual([0.5, 1, 0]);
  });

  it("names a cotangent of another size", () => {
    expect(() => geluGrad(t("d=3", undefined, "x"), t("d=4", undefined, "g") as unknown as T)).toThrow(/geluGrad/);
  });
});
