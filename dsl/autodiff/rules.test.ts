import { describe, expect, it } from "vitest";
import * as ops from "../ops/index.ts";
import type { ConvPadding } from "../ops/shapeRulesConv.ts";
import type { Tensor } from "../tensor.ts";
import { generator } from "../testSupport.ts";
import { checkGradient, randomTensor, type Draw, type GradCase } from "./gradCheck.ts";
import { unaryFns, type BinaryFn, type PrimitiveKind, type UnaryFn } from "./primitive.ts";
import { vjpRules } from "./rules/index.ts";

// Finite-difference checks of every primitive's VJP rule, run eagerly through grad().
type T = Tensor<string>;

/** The eager ops with plain string arguments (the DSL types check literal dims; these cases build them at run time). */
const loose = ops as unknown as Record<string, (...args: unknown[]) => T>;
const next = generator(11);
const tensor = (spec: string, draw: Draw = "signed") => randomTensor(spec, next, draw);
/** The fused ops' cases draw from their own stream, so that the other cases keep their values. */
const fusedNext = generator(23);
const fusedTensor = (spec: string) => randomTensor(spec, fusedNext);

const positiveOnly = new Set<UnaryFn>(["log", "sqrt", "rsqrt", "reciprocal"]);
/** floor and round are flat between their steps: draw values at least 0.2 from an integer and from a half. */
const awayFromSteps: Draw = { values: [0.3, 1.7, -0.8, 2.2, -1.3, 0.7] };
const drawFor = (fn: UnaryFn): Draw => (positiveOnly.has(fn) ? "positive" : fn === "floor" || fn === "round" ? awayFromSteps : "signed");
const arithmetic: readonly BinaryFn[] = ["add", "sub", "mul", "div", "maximum", "minimum", "pow"];

/** conv2d cases: windows 3x1, 1x3 and 3x3, each under "same", "valid" and mixed padding, with 2 in and 3 out channels. */
const convPaddings: readonly ConvPadding[][] = [["same", "same"], ["valid", "valid"], ["valid", "same"], ["same", "valid"]];
const convCases = ([[3, 1], [1, 3], [3, 3]] as const).flatMap(([kh, kw]) =>
  convPaddings.map(([height, width], index) => ({
    primitive: "conv2d" as const,
    name: `conv2d ${kh}x${kw} window, ${height} height, ${width} width`,
    // Odd orders on purpose (in the last case): x's and the kernel's dims are matched by name.
    inputs: index === 3
      ? [tensor("c_in=2 height=5 n=2 width=4"), tensor(`c_out=3 kw=${kw} c_in=2 kh=${kh}`)]
      : [tensor("n=2 height=5 width=4 c_in=2"), tensor(`kh=${kh} kw=${kw} c_in=2 c_out=3`)],
    fn: ([x, kernel]: readonly T[]) =>
      loose.conv2d(x, kernel, { height: "height", width: "width", kernelHeight: "kh", kernelWidth: "kw", in: "c_in", out: "c_out", padding: { height, width } }),
  })),
);

const cases: (GradCase & { readonly primitive: PrimitiveKind })[] = [
  ...unaryFns.map((fn) => ({
    primitive: "unary" as const, name: `unary ${fn}`,
    inputs: [tensor("b=2 d=3", drawFor(fn))],
    fn: ([x]: readonly T[]) => loose[fn](x),
  })),
  ...arithmetic.flatMap((fn) => {
    // maximum and minimum have a kink where a = b: keep every pair at least 0.1 apart.
    const [left, right]: Draw[] = fn === "maximum" || fn === "minimum" ? [{ values: [0.6, 1.4, 0.9, 1.25, 0.7, 1.3] }, { values: [1.0, 0.8, 1.15] }] : ["positive", "positive"];
    return [
      // a lacks c, b lacks batch: each cotangent is summed over the dims its operand lacks.
      { primitive: "binary" as const, name: `binary ${fn} outer`, inputs: [tensor("b=2 d=3", left), tensor("d=3 c=2", right)], fn: ([a, b]: readonly T[]) => (loose[fn] as unknown as { outer: (a: T, b: T) => T }).outer(a, b) },
      { primitive: "binary" as const, name: `binary ${fn} broadcast`, inputs: [tensor("b=2 d=3", left), tensor("d=3", right)], fn: ([a, b]: readonly T[]) => loose[fn](a, b) },
      { primitive: "binary" as const, name: `binary ${fn} reordered`, inputs: [tensor("b=2 d=3", left), tensor("d=3 b=2", right)], fn: ([a, b]: readonly T[]) => loose[fn](a, b) },
      { primitive: "binary" as const, name: `binary ${fn} tensor, 1.5`, inputs: [tensor("b=2 d=3", "positive")], fn: ([x]: readonly T[]) => loose[fn](x, 1.5) },
      { primitive: "binary" as const, name: `binary ${fn} 1.5, tensor`, inputs: [tensor("b=2 d=3", "positive")], fn: ([x]: readonly T[]) => loose[fn](1.5, x) },
    ];
  }),
  { primitive: "binary", name: "binary maximum of signed values", inputs: [tensor("b=3 d=2"), tensor("d=2")], fn: ([a, b]) => ops.maximum(a, b) },
  { primitive: "where", name: "where broadcast", inputs: [tensor("d=3", { integers: 2 }), tensor("b=2 d=3"), tensor("c=2")], constant: [0], fn: ([cond, a, b]) => ops.where(cond, a, b) },
  { primitive: "where", name: "where with a number", inputs: [tensor("b=2 d=3", { integers: 2 }), tensor("d=3")], constant: [0], fn: ([cond, a]) => ops.where(cond, 0.5, a) },
  { primitive: "einsum", name: "einsum matmul with a batch dim and a dim summed in one input", inputs: [tensor("b=2 i=2 k=3"), tensor("k=3 b=2 j=2")], fn: ([a, b]) => loose.einsum(a, b, "j b") },
  { primitive: "einsum", name: "einsum of one input (sum and reorder)", inputs: [tensor("i=2 j=3 k=2")], fn: ([a]) => loose.einsum(a, "k i") },
  { primitive: "einsum", name: "einsum of one tensor with itself", inputs: [tensor("i=2 j=3")], fn: ([a]) => loose.einsum(a, a, "i") },
  ...["sum", "mean", "max", "min", "logsumexp"].flatMap((fn) => [
    { primitive: "reduce" as const, name: `reduce ${fn} over one dim`, inputs: [tensor("b=2 s=3 d=2")], fn: ([x]: readonly T[]) => loose[fn](x, "s") },
    { primitive: "reduce" as const, name: `reduce ${fn} over two dims`, inputs: [tensor("b=2 s=3 d=2")], fn: ([x]: readonly T[]) => loose[fn](x, "d b") },
  ]),
  { primitive: "dropout", name: "dropout (linear in x through its mask)", inputs: [tensor("b=3 d=4")], fn: ([x]) => ops.dropout(x, 0.4, { seed: 2, name: "h" }) },
  { primitive: "softmax", name: "softmax", inputs: [tensor("b=2 v=4")], fn: ([x]) => loose.softmax(x, "v") },
  { primitive: "softmax", name: "logSoftmax over a leading dim", inputs: [tensor("b=3 v=2")], fn: ([x]) => loose.logSoftmax(x, "b") },
  { primitive: "normalize", name: "normalize over the last dim", inputs: [fusedTensor("b=2 v=4")], fn: ([x]) => loose.normalize(x, "v", 1e-5) },
  { primitive: "normalize", name: "normalize over a leading dim", inputs: [fusedTensor("b=3 v=2")], fn: ([x]) => loose.normalize(x, "b", 0.1) },
  // the backward ops are differentiated through their formula (a gradient of a gradient), in x and in g
  { primitive: "normalizeGrad", name: "normalizeGrad in x and g", inputs: [fusedTensor("b=2 v=4"), fusedTensor("b=2 v=4")], fn: ([x, g]) => loose.normalizeGrad(x, g, "v", 1e-5) },
  { primitive: "normalizeGrad", name: "normalizeGrad with g in another order", inputs: [fusedTensor("b=3 v=2"), fusedTensor("v=2 b=3")], fn: ([x, g]) => loose.normalizeGrad(x, g, "b", 0.1) },
  { primitive: "unaryGrad", name: "unaryGrad gelu (geluGrad) in x and g", inputs: [fusedTensor("b=2 d=3"), fusedTensor("d=3 b=2")], fn: ([x, g]) => loose.geluGrad(x, g) },
  { primitive: "rename", name: "rename", inputs: [tensor("a=2 b=3")], fn: ([x]) => loose.rename(x, "a", "z") },
  { primitive: "transpose", name: "transpose", inputs: [tensor("a=2 b=3 c=2")], fn: ([x]) => loose.transpose(x, "c a b") },
  { primitive: "splitDim", name: "splitDim", inputs: [tensor("a=2 m=6")], fn: ([x]) => loose.splitDim(x, "m", "h e", { h: 2, e: 3 }) },
  { primitive: "mergeDims", name: "mergeDims of non-adjacent dims in another order", inputs: [tensor("a=2 b=3 c=2")], fn: ([x]) => loose.mergeDims(x, "c a", "m") },
  { primitive: "slice", name: "slice from the middle", inputs: [tensor("a=2 s=5")], fn: ([x]) => loose.slice(x, "s", 1, 3) },
  { primitive: "slice", name: "slice a prefix", inputs: [tensor("s=4 a=2")], fn: ([x]) => loose.slice(x, "s", 0, 2) },
  { primitive: "slice", name: "slice a suffix", inputs: [tensor("s=4 a=2")], fn: ([x]) => loose.slice(x, "s", 1, 4) },
  { primitive: "concat", name: "concat of three", inputs: [tensor("a=2 s=1"), tensor("a=2 s=3"), tensor("a=2 s=2")], fn: (xs) => loose.concat(xs, "s") },
  { primitive: "oneHot", name: "oneHot times a tensor (ids get nothing)", inputs: [tensor("b=3", { integers: 4 }), tensor("v=4 d=2")], constant: [0], fn: ([ids, w]) => loose.einsum(loose.oneHot(ids, "v", 4), w, "b d") },
  { primitive: "gather", name: "gather with repeated ids", inputs: [tensor("v=4 d=2"), tensor("b=5", { values: [1, 3, 1, 0, 1] })], constant: [1], fn: ([table, ids]) => loose.gather(table, ids, "v") },
  ...convCases,
  { primitive: "relayout", name: "relayout", inputs: [tensor("a=2 b=2")], fn: ([x]) => loose.square(loose.relayout(x, "a:data")) },
];

describe("VJP rules against central differences", () => {
  for (const testCase of cases) {
    it(testCase.name, () => {
      for (const row of checkGradient(testCase)) {
        expect(Math.abs(row.analytic - row.numeric), `input ${row.input}: ${row.analytic} vs ${row.numeric}`).toBeLessThan(3e-3 * Math.max(1, Math.abs(row.numeric)));
      }
    });
  }

  it("covers every primitive with inputs", () => {
    const withInputs = Object.keys(vjpRules).filter((kind) => !["param", "full", "constant", "iota", "random"].includes(kind));
    expect(new Set(cases.map((item) => item.primitive))).toEqual(new Set(withInputs));
  });

  it("gives comparisons no gradient", () => {
    for (const fn of ["less", "lessEqual", "greater", "greaterEqual", "equal"] as const) {
      const rows = checkGradient({ name: fn, inputs: [tensor("a=3"), tensor("a=3")], fn: ([a, b]) => ops.mul(loose[fn](a, b), a) });
      // d/da (cmp(a, b) * a) = cmp(a, b) away from ties: all of it comes from mul.
      rows.forEach((row) => expect(row.analytic).toBeCloseTo(row.numeric, 3));
    }
  });
});
