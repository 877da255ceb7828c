import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as binaryOps from "./binary.ts";
import { add, div, equal, greater, greaterEqual, less, lessEqual, maximum, minimum, mul, pow, sub, where } from "./binary.ts";
import { abs, clamp, cos, exp, floor, gelu, log, neg, reciprocal, relu, round, rsqrt, sigmoid, sin, sqrt, square, tanh } from "./unary.ts";
import { allIndices, at, closeTo, dimPool, shapeOf, subsetOf, t, tensorWith } from "./testSupport.ts";

const values = [-2, -0.5, 0, 1, 4];
const x = t("v=5", values, "x");

describe("unary ops", () => {
  it("apply their function element-wise, keeping dims and order", () => {
    const matrix = t("a=2 b=2", [-1, 2, -3, 4]);
    expect(shapeOf(relu(matrix))).toBe("a=2 b=2");
    expect([...relu(matrix).data]).toEqual([0, 2, 0, 4]);
    const cases: [typeof relu, (value: number) => number][] = [
      [exp, Math.exp], [log, Math.log], [tanh, Math.tanh], [sqrt, Math.sqrt], [rsqrt, (v) => 1 / Math.sqrt(v)],
      [neg, (v) => -v], [abs, Math.abs], [square, (v) => v * v], [reciprocal, (v) => 1 / v], [sigmoid, (v) => 1 / (1 + Math.exp(-v))],
      [sin, Math.sin], [cos, Math.cos], [floor, Math.floor],
    ];
    for (const [op, reference] of cases) {
      expect([...op(x).data]).toEqual(values.map((value) => Math.fround(reference(value))));
    }
  });

  it("round sends halves to the even neighbour, as torch.round and numpy.round do", () => {
    expect([...round(t("v=9", [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.49, -0.51, 3.7])).data]).toEqual([-2, -2, -0, 0, 2, 2, 0, -1, 4]);
  });

  it("clamp limits to [low, high], and gives high everywhere when low > high (as torch.clamp)", () => {
    expect([...clamp(x, -1, 1).data]).toEqual([-1, -0.5, 0, 1, 1]);
    expect([...clamp(x, 2, 1).data]).toEqual([1, 1, 1, 1, 1]);
    expect(clamp(t("a=2 b=1", [5, -5]), 0, 1).names).toEqual(["a", "b"]);
  });

  it("gelu is GPT-2's tanh approximation", () => {
    // 0.5 * 1 * (1 + tanh(sqrt(2/pi) * (1 + 0.044715))) = 0.841192 (the exact erf GELU gives 0.841345)
    expect(gelu(t("v=1", [1])).data[0]).toBeCloseTo(0.841192, 5);
    expect(gelu(t("v=1", [-3])).data[0]).toBeCloseTo(-0.0036373, 6);
  });

  it("sigmoid does not overflow for large |x|", () => {
    expect([...sigmoid(t("v=2", [-1000, 1000])).data]).toEqual([0, 1]);
  });

  it("label their result after the input", () => {
    expect(relu(x).label).toBe("relu(x)");
    expect(relu(t("v=1")).label).toBeUndefined();
  });
});

describe("binary ops", () => {
  it("compute with numbers on either side", () => {
    expect([...sub(x, 1).data]).toEqual([-3, -1.5, -1, 0, 3]);
    expect([...sub(1, x).data]).toEqual([3, 1.5, 1, 0, -3]);
    expect([...pow(x, 2).data]).toEqual([4, 0.25, 0, 1, 16]);
    expect([...less(x, 0).data]).toEqual([1, 1, 0, 0, 0]);
    expect([...lessEqual(x, 0).data]).toEqual([1, 1, 1, 0, 0]);
    expect([...greater(x, 0).data]).toEqual([0, 0, 0, 1, 1]);
    expect([...greaterEqual(x, 0).data]).toEqual([0, 0, 1, 1, 1]);
    expect([...equal(x, 1).data]).toEqual([0, 0, 0, 1, 0]);
    expect([...maximum(x, 0).data]).toEqual([0, 0, 0, 1, 4]);
    expect([...minimum(x, 0).data]).toEqual([-2, -0.5, 0, 0, 0]);
    expect([...div(x, 2).data]).toEqual([-1, -0.25, 0, 0.5, 2]);
    expect(add(x, 1).label).toBe("add(x, 1)");
  });

  it("broadcast by name when one operand's dims are the other's: a's dims, then b's new dims", () => {
    const a = t("i=2 j=3"); // 0..5
    const row = t("j=3", [10, 20, 30]);
    expect([...add(a, row).data]).toEqual([10, 21, 32, 13, 24, 35]);
    expect(shapeOf(add(row, a))).toBe("j=3 i=2");
    expect([...add(row, a).data]).toEqual([10, 13, 21, 24, 32, 35]);
    expect(shapeOf(mul(t("j=3 i=2"), a))).toBe("j=3 i=2");
  });

  it("reject operands that each have a dim the other lacks, naming both dims and the outer form", () => {
    expect(() => add(t("i=2 j=3", undefined, "h"), t("i=2 k=2", undefined, "g"))).toThrow(
      'add: tensor "h" [i=2, j=3] and tensor "g" [i=2, k=2] each have a dim the other lacks ("j", "k"). ' +
        "Write add.outer(a, b) for an outer product, or give one operand only dims of the other.",
    );
  });

  it("outer: any two tensors, a's dims then b's new dims", () => {
    const a = t("i=2 j=3"); // 0..5
    const b = t("k=2 i=2", [10, 20, 30, 40]); // (k,i): (0,0)=10 (0,1)=20 (1,0)=30 (1,1)=40
    const sum = add.outer(a, b);
    expect(shapeOf(sum)).toBe("i=2 j=3 k=2");
    // element (i, j, k) = a[i, j] + b[k, i]
    expect([...sum.data]).toEqual([10, 30, 11, 31, 12, 32, 23, 43, 24, 44, 25, 45]);
    expect(shapeOf(mul.outer(b, a))).toBe("k=2 i=2 j=3");
    expect(add.outer(a, t("j=3")).data).toEqual(add(a, t("j=3")).data);
  });

  it("name both tensors when a dim has two sizes", () => {
    expect(() => add(t("i=2", undefined, "p"), t("i=3", undefined, "q"))).toThrow(
      'add: dim "i" has size 2 in tensor "p" [i=2] but 3 in tensor "q" [i=3]. A dim name has one size: declare both tensors from the same dims({...}), or rename one of the dims.',
    );
  });

  it("match a naive by-name loop on random dims (every binary op, plain where one operand's dims are the other's, else outer)", () => {
    const ops = { add, sub, mul, maximum, minimum, less, equal } as const;
    const references: Record<keyof typeof ops, (l: number, r: number) => number> = {
      add: (l, r) => l + r, sub: (l, r) => l - r, mul: (l, r) => l * r, maximum: Math.max, minimum: Math.min,
      less: (l, r) => (l < r ? 1 : 0), equal: (l, r) => (l === r ? 1 : 0),
    };
    const cases = dimPool.chain((pool) =>
      fc.record({
        a: subsetOf(pool).chain((dims) => tensorWith(dims)),
        b: subsetOf(pool).chain((dims) => tensorWith(dims)),
        op: fc.constantFrom(...(Object.keys(ops) as (keyof typeof ops)[])),
      }),
    );
    fc.assert(
      fc.property(cases, ({ a, b, op }) => {
        const result = ops[op].outer(a, b);
        const nested = a.names.every((name) => b.names.includes(name)) || b.names.every((name) => a.names.includes(name));
        if (nested) expect(ops[op](a, b).data).toEqual(result.data);
        else expect(() => ops[op](a, b)).toThrow("each have a dim the other lacks");
        const expectedNames = [...a.names, ...b.names.filter((name) => !a.names.includes(name))];
        expect(result.names).toEqual(expectedNames);
        const expected = allIndices(result.dims).map((index) => Math.fround(references[op](at(a, index), at(b, index))));
        expect(closeTo(result.data, expected, 0)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("has the twelve ops of the contract", () => {
    const names = ["add", "sub", "mul", "div", "maximum", "minimum", "pow", "less", "lessEqual", "greater", "greaterEqual", "equal"];
    for (const name of names) expect(typeof (binaryOps as Record<string, unknown>)[name]).toBe("function");
  });
});

describe("where", () => {
  it("picks a where cond is non-zero, broadcasting (a, b) then cond", () => {
    const cond = t("j=2 i=2", [1, 0, 0, 1]);
    const a = t("i=2", [1, 2]);
    const picked = where(cond, a, -1);
    expect(shapeOf(picked)).toBe("i=2 j=2");
    // (i, j): cond[j, i] ? a[i] : -1
    expect([...picked.data]).toEqual([1, -1, -1, 2]);
    expect(shapeOf(where(cond, t("k=1", [5]), a))).toBe("k=1 i=2 j=2");
  });

  it("names the tensors when sizes disagree", () => {
    expect(() => where(t("i=3", undefined, "mask"), t("i=2", undefined, "x"), 0)).toThrow(
      'where: dim "i" has size 2 in the broadcast of a and b [i=2] but 3 in tensor "mask" [i=3].',
    );
  });
});
