/**
 * Einsums as torch.mm / bmm / matmul on views and torch.sum (matmulLowering.ts): the Python text of the GPT's
 * contractions and of the cases that stay torch.einsum, then a few hundred random contractions (every role's dims in
 * random orders, operands contiguous or not) evaluated in Python against torch.einsum of the same operands.
 * The compiled programs against eager: matmulRun.test.ts.
 */
import { describe, expect, test } from "vitest";
import type { Dim } from "../../../dsl/tensor.ts";
import type { Value } from "../../ir/ir.ts";
import { runPythonScript } from "../../testing/torch/pythonScript.ts";
import { describeWithTorch } from "../../testing/torch/torchGuard.ts";
import { einsumEquation } from "./einsumSubscripts.ts";
import { broadcastAll } from "./emitTorchOp.ts";
import { classifyContraction, lowerEinsum, type EinsumOperand } from "./matmulLowering.ts";

const sizes: Readonly<Record<string, number>> = { batch: 4, seq: 8, kv_seq: 8, d_model: 16, heads: 4, d_head: 4, d_ff: 64, vocab: 32 };

function operand(name: string, spec: string): EinsumOperand {
  return { name, dims: spec.split(" ").filter(Boolean).map((dim) => ({ name: dim, size: sizes[dim] })) };
}

function lowered(left: EinsumOperand, right: EinsumOperand | undefined, output: string): string | undefined {
  return lowerEinsum(right === undefined ? [left] : [left, right], output.split(" ").filter(Boolean));
}

describe("einsum lowering: the Python text", () => {
  test("classifies batch, contracted, left-free and right-free dims", () => {
    expect(classifyContraction(["batch", "seq", "heads", "d_head"], ["batch", "kv_seq", "heads", "d_head"], ["batch", "seq", "heads", "kv_seq"])).toEqual({
      batch: ["batch", "heads"], contracted: ["d_head"], left: ["seq"], right: ["kv_seq"],
    });
    // a dim of one operand that the output lacks is summed by einsum: not a matrix product
    expect(classifyContraction(["batch", "seq"], ["seq", "d_ff"], ["d_ff"])).toBeUndefined();
  });

  test("a projection is torch.mm of the reshaped views, viewed back to the output's dims", () => {
    expect(lowered(operand("x", "batch seq d_model"), operand("w", "d_model heads d_head"), "batch seq heads d_head")).toBe(
      "torch.mm(x.reshape(32, 16), w.reshape(16, 16)).view(4, 8, 4, 4)",
    );
    expect(lowered(operand("x", "batch seq d_model"), operand("w", "d_model d_ff"), "batch seq d_ff")).toBe("torch.mm(x.reshape(32, 16), w).view(4, 8, 64)");
    // the weight held the other way round: transposed (free for BLAS), not permuted and copied
    expect(lowered(operand("g", "batch seq vocab"), operand("w", "d_model vocab"), "batch seq d_model")).toBe("torch.mm(g.reshape(32, 32), w.t()).view(4, 8, 16)");
    expect(lowered(operand("g", "batch seq d_model"), operand("w", "heads d_head d_model"), "batch seq heads d_head")).toBe(
      "torch.mm(g.reshape(32, 16), w.reshape(16, 16).t()).view(4, 8, 4, 4)",
    );
  });

  test("a weight gradient contracts batch and seq: torch.mm of the transposed view, no einsum", () => {
    expect(lowered(operand("g", "batch seq d_ff"), operand("x", "batch seq d_model"), "d_ff d_model")).toBe("torch.mm(g.reshape(32, 64).t(), x.reshape(32, 16))");
    // the output the other way round: the operands swap, so the result needs no transpose
    expect(lowered(operand("x", "batch seq d_model"), operand("g", "batch seq d_ff"), "d_ff d_model")).toBe("torch.mm(g.reshape(32, 64).t(), x.reshape(32, 16))");
    expect(lowered(operand("x", "batch seq d_model"), operand("g", "batch seq heads d_head"), "d_model heads d_head")).toBe(
      "torch.mm(x.reshape(32, 16).t(), g.reshape(32, 16)).view(16, 4, 4)",
    );
  });

  test("attention's contractions over batch and heads are torch.matmul of transposed views, transposed back", () => {
    expect(lowered(operand("q", "batch seq heads d_head"), operand("k", "batch kv_seq heads d_head"), "batch seq heads kv_seq")).toBe(
      "torch.matmul(q.transpose(1, 2), k.permute(0, 2, 3, 1)).transpose(1, 2)",
    );
    expect(lowered(operand("p", "batch seq heads kv_seq"), operand("v", "batch kv_seq heads d_head"), "batch seq heads d_head")).toBe(
      "torch.matmul(p.transpose(1, 2), v.transpose(1, 2)).transpose(1, 2)",
    );
  });

  test("one batch dim is torch.bmm; no reshape or view where every role has one dim", () => {
    expect(lowered(operand("a", "batch seq d_model"), operand("b", "batch d_model d_ff"), "batch seq d_ff")).toBe("torch.bmm(a, b)");
    expect(lowered(operand("a", "seq batch d_model"), operand("b", "batch d_head d_model"), "batch seq d_head")).toBe("torch.bmm(a.transpose(0, 1), b.transpose(1, 2))");
  });

  test("a transposed right operand of 4096 elements or more is copied row-major; a smaller one, or a transposed left one, is not", () => {
    const big = (name: string, spec: string): EinsumOperand => ({ name, dims: spec.split(" ").map((dim) => ({ name: dim, size: dim === "d_model" ? 256 : dim === "d_ff" ? 1024 : 8 })) });
    expect(lowered(big("x", "batch seq d_model"), big("w", "d_ff d_model"), "batch seq d_ff")).toBe("torch.mm(x.reshape(64, 256), w.t().contiguous()).view(8, 8, 1024)");
    expect(lowered(big("g", "batch seq d_model"), big("w", "heads d_head d_model"), "batch seq heads d_head")).toBe(
      "torch.mm(g.reshape(64, 256), w.reshape(64, 256).t().contiguous()).view(8, 8, 8, 8)",
    );
    expect(lowered(big("g", "batch seq d_ff"), big("x", "batch seq d_model"), "d_ff d_model")).toBe("torch.mm(g.reshape(64, 1024).t(), x.reshape(64, 256))");
    expect(lowered(operand("g", "batch seq d_model"), operand("w", "d_ff d_model"), "batch seq d_ff")).toBe("torch.mm(g.reshape(32, 16), w.t()).view(4, 8, 64)");
    expect(lowerEinsum([operand("a", "batch seq d_model"), operand("b", "batch d_ff d_model")], ["batch", "seq", "d_ff"], { copyTransposedFrom: 1 })).toBe(
      "torch.bmm(a, b.transpose(1, 2).contiguous())",
    );
  });

  test("contracted dims in another order in the right operand: that one is permuted into the left one's order", () => {
    expect(lowered(operand("x", "batch seq d_model"), operand("y", "seq batch d_ff"), "d_model d_ff")).toBe("torch.mm(x.reshape(32, 16).t(), y.transpose(0, 1).reshape(32, 64))");
  });

  test("one operand: torch.sum over the dims the output lacks, a permute, or both", () => {
    expect(lowered(operand("x", "batch seq"), undefined, "")).toBe("torch.sum(x)");
    expect(lowered(operand("x", "batch seq d_model"), undefined, "d_model")).toBe("torch.sum(x, dim=(0, 1))");
    expect(lowered(operand("x", "batch d_model"), undefined, "d_model batch")).toBe("x.t()");
    expect(lowered(operand("x", "batch seq d_model"), undefined, "d_model batch")).toBe("torch.sum(x, dim=(1,)).t()");
  });

  test("stays torch.einsum: three operands, no contracted dim, no free dim, a dim only one operand sums, a repeated dim", () => {
    const x = operand("x", "batch d_model");
    expect(lowerEinsum([x, operand("w", "d_model d_ff"), operand("u", "d_ff vocab")], ["batch", "vocab"])).toBeUndefined();
    expect(lowered(operand("a", "batch"), operand("b", "d_model"), "batch d_model")).toBeUndefined();
    expect(lowered(operand("a", "batch seq"), operand("b", "seq d_ff"), "d_ff")).toBeUndefined();
    expect(lowered(operand("a", "batch batch"), operand("b", "batch"), "batch")).toBeUndefined();
    expect(lowered(operand("a", "batch seq"), operand("b", "batch seq"), "")).toBeUndefined();
    expect(lowered(operand("a", "heads batch seq d_head"), operand("b", "heads batch seq d_head"), "batch heads seq")).toBeUndefined();
    expect(lowered(operand("a", "batch seq"), undefined, "vocab")).toBeUndefined();
  });
});

describe("broadcastAll: no index view where numpy broadcasting aligns", () => {
  const value = (spec: string): Value => ({ id: 0, dims: spec.split(" ").filter(Boolean).map((name) => ({ name, size: sizes[name] })) });
  const target = ["batch", "seq", "d_model"];

  test("an operand whose dims are the output's last ones is used as it is; others keep their index view", () => {
    expect(broadcastAll([{ name: "x", value: value("batch seq d_model") }, { name: "scale", value: value("d_model") }], target)).toEqual(["x", "scale"]);
    expect(broadcastAll([{ name: "x", value: value("batch seq d_model") }, { name: "pos", value: value("seq d_model") }], target)).toEqual(["x", "pos"]);
    expect(broadcastAll([{ name: "x", value: value("batch seq d_model") }, { name: "lse", value: value("batch seq") }], target)).toEqual(["x", "lse[:, :, None]"]);
    expect(broadcastAll([{ name: "x", value: value("batch seq d_model") }, { name: "t", value: value("d_model seq") }], target)).toEqual(["x", "t.permute(1, 0)"]);
  });

  test("when no operand would have the output's rank, every operand keeps its index view", () => {
    // [seq] + [d_model] -> [seq d_model]: a[:, None] + b gives it; a + b would not
    expect(broadcastAll([{ name: "a", value: value("seq") }, { name: "b", value: value("d_model") }], ["seq", "d_model"])).toEqual(["a[:, None]", "b"]);
    expect(broadcastAll([{ name: "a", value: value("d_model") }, { name: "b", value: value("d_model") }], ["seq", "d_model"])).toEqual(["a[None, :]", "b[None, :]"]);
  });
});

/** A deterministic pseudo-random sequence (a linear congruential generator). */
function randomSource(seed: number): (below: number) => number {
  let state = seed;
  return (below) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return Math.floor((state / 2147483648) * below);
  };
}

interface RandomCase {
  readonly equation: string;
  readonly shapes: number[][];
  readonly expression: string;
  readonly strided: boolean;
}

/** The lowering options of the random cases: every other one copies any transposed right operand. */
function randomOptions(index: number): { copyTransposedFrom?: number } {
  return index % 2 === 0 ? { copyTransposedFrom: 1 } : {};
}

/** `count` random contractions of 1 or 2 operands (every role 0-2 dims, random orders), each lowered. */
function randomCases(count: number): RandomCase[] {
  const random = randomSource(7);
  const shuffle = <T>(items: readonly T[]): T[] => {
    const copy = [...items];
    for (let index = copy.length - 1; index > 0; index--) {
      const other = random(index + 1);
      [copy[index], copy[other]] = [copy[other], copy[index]];
    }
    return copy;
  };
  const cases: RandomCase[] = [];
  while (cases.length < count) {
    let next = 0;
    const dims = (howMany: number): Dim[] => Array.from({ length: howMany }, () => ({ name: `d${next++}`, size: 1 + random(4) }));
    const [batch, contracted, left, right] = [dims(random(3)), dims(1 + random(2)), dims(random(3)), dims(random(3))];
    const one = random(4) === 0;
    const a: EinsumOperand = { name: "a", dims: shuffle([...batch, ...contracted, ...left]) };
    const b: EinsumOperand = { name: "b", dims: shuffle([...batch, ...contracted, ...right]) };
    const output = shuffle(one ? [...batch, ...left] : [...batch, ...left, ...right]);
    const operands = one ? [a] : [a, b];
    const names = output.map((dim) => dim.name);
    const expression = lowerEinsum(operands, names, randomOptions(cases.length));
    if (expression === undefined) {
      if (operands.length === 2 && left.length === 0 && right.length === 0) continue;
      throw new Error(`not lowered: ${einsumEquation(operands.map((item) => item.dims.map((dim) => dim.name)), names)}`);
    }
    const letters = einsumEquation(operands.map((item) => item.dims.map((dim) => dim.name)), names);
    cases.push({ equation: letters, shapes: operands.map((item) => item.dims.map((dim) => dim.size)), expression, strided: random(2) === 0 });
  }
  return cases;
}

const script = `
import json, sys, torch
torch.manual_seed(0)
cases = json.loads(sys.argv[1])
failures = []
for case in cases:
    operands = []
    for shape in case["shapes"]:
        if case["strided"]:
            # the same values held in reversed dim order: a non-contiguous view
            operands.append(torch.randn(*reversed(shape)).permute(*reversed(range(len(shape)))))
        else:
            operands.append(torch.randn(*shape))
    want = torch.einsum(case["equation"], *operands)
    got = eval(case["expression"], {"torch": torch, "a": operands[0], "b": operands[-1]})
    if tuple(got.shape) != tuple(want.shape) or float((got - want).abs().max()) > 1e-4:
        failures.append(f'{case["equation"]} {case["shapes"]}: {case["expression"]} gives {tuple(got.shape)}, einsum {tuple(want.shape)}')
print(json.dumps({"count": len(cases), "failures": failures}))
`;

describeWithTorch("einsum lowering against torch.einsum", () => {
  test("400 random contractions, contiguous and strided operands: the lowered expression equals torch.einsum in shape and values", async () => {
    const cases = randomCases(400);
    // the sample covers every kind of product and the reshape, transpose and view forms
    for (const form of ["torch.mm(", "torch.bmm(", "torch.matmul(", "torch.sum(", ".reshape(", ".t()", ".transpose(", ".view(", ".permute(", ".contiguous()"]) {
      expect(cases.some((item) => item.expression.includes(form)), form).toBe(true);
    }
    const result = JSON.parse(await runPythonScript(script, [JSON.stringify(cases)])) as { count: number; failures: string[] };
    expect(result.count).toBe(400);
    expect(result.failures).toEqual([]);
  }, 120_000);
});
