/**
 * Horizontal batching on small programs: which ops share a `torch._foreach_*`
 * call (interleaved optimizer chains group step by step, dependent ops and
 * different attributes never do, collectives stay in place), which operand
 * shapes a foreach call takes, and the Python the emitter writes for a group.
 */
import { describe, expect, test } from "vitest";
import type { Dim } from "../../../dsl/tensor.ts";
import { ProgramBuilder } from "../../ir/builder.ts";
import type { Block, Op, Program, ValueId } from "../../ir/ir.ts";
import { isLoop, type OpAttrs } from "../../ir/opAttrs.ts";
import { compileProgram } from "../../passes/pipeline.ts";
import { mesh4 } from "../../testing/torch/torchCases.ts";
import { collectiveBuckets } from "./collectiveBuckets.ts";
import { emitTorchModule } from "./emitTorchModule.ts";
import { foreachForm, foreachGroups } from "./foreachGroups.ts";

const d = (name: string, size: number): Dim => ({ name, size });
const float32 = "torch.float32";

/** The foreach key of an op of `program` (as the emitter asks for it, float32). */
function keyOf(program: Program) {
  return (op: Op): string | undefined =>
    foreachForm(op, op.inputs.map((input) => program.values.get(input)!), program.values.get(op.output)!, float32)?.key;
}

/** The groups of `block` as lists of output hints. */
function groupHints(program: Program, block: Block = program.body): string[][] {
  const groups = foreachGroups(block, { keyOf: keyOf(program), moved: collectiveBuckets(program, block) });
  return [...groups.values()].map((group) => group.map((op) => program.values.get(op.output)?.hint ?? `%${op.output}`));
}

/** `m + (g - m) * 0.1` for three leaves, one leaf after the other (as AdamW's tree map writes it). */
function momentum(): Program {
  const b = new ProgramBuilder({ name: "momentum", mesh: mesh4, layoutSpec: "" });
  const leaves = [[d("a", 4)], [d("a", 4), d("b", 2)], [d("c", 3)]];
  const results: ValueId[] = [];
  leaves.forEach((dims, index) => {
    const g = b.param(`g${index}`, dims);
    const m = b.param(`m${index}`, dims);
    const diff = b.add({ op: "binary", fn: "sub" }, [g, m], { hint: `diff${index}` });
    const scaled = b.add({ op: "binary", fn: "mul", scalar: { value: 0.1, position: 1 } }, [diff], { hint: `scaled${index}` });
    results.push(b.add({ op: "binary", fn: "add" }, [m, scaled], { hint: `next${index}` }));
  });
  b.setResult({ kind: "array", items: results.map((value) => ({ kind: "tensor", value })) });
  return b.finish();
}

describe("foreachGroups", () => {
  test("an interleaved update of three leaves: one group per step, each in leaf order", () => {
    // each step reads the step before of the same leaf: the mul of leaf 1 can join the mul of leaf 0 only
    // once the subs have run as one group, so grouping by block position alone would leave the muls and adds single
    expect(groupHints(momentum())).toEqual([
      ["diff0", "diff1", "diff2"],
      ["scaled0", "scaled1", "scaled2"],
      ["next0", "next1", "next2"],
    ]);
  });

  test("an op that reads another's result never joins its group", () => {
    const b = new ProgramBuilder({ name: "chain", mesh: mesh4, layoutSpec: "" });
    const x = b.param("x", [d("a", 4)]);
    const first = b.add({ op: "unary", fn: "exp" }, [x], { hint: "first" });
    const second = b.add({ op: "unary", fn: "exp" }, [first], { hint: "second" });
    const other = b.add({ op: "unary", fn: "exp" }, [x], { hint: "other" });
    b.setResult({ kind: "array", items: [second, other].map((value) => ({ kind: "tensor", value })) });
    expect(groupHints(b.finish())).toEqual([["first", "other"]]);
  });

  test("different functions, scalars or operand shapes are different groups", () => {
    const b = new ProgramBuilder({ name: "kinds", mesh: mesh4, layoutSpec: "" });
    const x = b.param("x", [d("a", 4)]);
    const y = b.param("y", [d("a", 4)]);
    const s = b.param("s", []);
    const out: ValueId[] = [];
    const add = (attrs: Parameters<ProgramBuilder["add"]>[0], inputs: ValueId[], hint: string): void => void out.push(b.add(attrs, inputs, { hint }));
    add({ op: "binary", fn: "mul", scalar: { value: 0.1, position: 1 } }, [x], "tenth");
    add({ op: "binary", fn: "mul", scalar: { value: 0.2, position: 1 } }, [x], "fifth");
    add({ op: "binary", fn: "mul", scalar: { value: 0.1, position: 1 } }, [y], "tenthY");
    add({ op: "binary", fn: "mul" }, [x, y], "product");
    add({ op: "binary", fn: "mul" }, [x, s], "byScalar");
    add({ op: "binary", fn: "mul" }, [s, y], "scalarBy");
    add({ op: "binary", fn: "mul" }, [y, x], "productYX");
    add({ op: "unary", fn: "sqrt" }, [x], "root");
    add({ op: "unary", fn: "exp" }, [y], "exp");
    b.setResult({ kind: "array", items: out.map((value) => ({ kind: "tensor", value })) });
    // a 0-d operand on the left of a commutative op is swapped to the right: it groups with x * s
    expect(groupHints(b.finish())).toEqual([["tenth", "tenthY"], ["product", "productYX"], ["byScalar", "scalarBy"]]);
  });

  test("ops never move past a collective that computes what they read; collectives keep their order", () => {
    const b = new ProgramBuilder({ name: "around", mesh: mesh4, layoutSpec: "" });
    const x = b.param("x", [d("a", 4)]);
    const y = b.param("y", [d("a", 4)]);
    const before = b.add({ op: "unary", fn: "exp" }, [x], { hint: "before" });
    const reduced = b.add({ op: "allReduce", axis: "data", reduce: "sum" }, [y], { hint: "reduced" });
    const after = b.add({ op: "unary", fn: "exp" }, [reduced], { hint: "after" });
    const free = b.add({ op: "unary", fn: "exp" }, [y], { hint: "free" });
    const reducedAgain = b.add({ op: "allReduce", axis: "data", reduce: "sum" }, [free], { hint: "reducedAgain" });
    b.setResult({ kind: "array", items: [before, after, reducedAgain].map((value) => ({ kind: "tensor", value })) });
    const program = b.finish();
    // `free` reads only a param: it runs with `before`; `after` reads the all-reduce and stays after it
    expect(groupHints(program)).toEqual([["before", "free"]]);
    const groups = foreachGroups(program.body, { keyOf: keyOf(program) });
    const collectives = program.body.filter((statement) => !isLoop(statement) && statement.op === "allReduce");
    expect(collectives.every((op) => ![...groups.values()].flat().includes(op as Op))).toBe(true);
  });

  test("an op reading a bucketed collective's output can join a group once the bucket has run", () => {
    const b = new ProgramBuilder({ name: "buckets", mesh: mesh4, layoutSpec: "" });
    const x = b.param("x", [d("a", 4)]);
    const y = b.param("y", [d("a", 4)]);
    const first = b.add({ op: "allReduce", axis: "data", reduce: "sum" }, [x], { hint: "first" });
    const useFirst = b.add({ op: "unary", fn: "sqrt" }, [first], { hint: "useFirst" });
    const second = b.add({ op: "allReduce", axis: "data", reduce: "sum" }, [y], { hint: "second" });
    const useSecond = b.add({ op: "unary", fn: "sqrt" }, [second], { hint: "useSecond" });
    b.setResult({ kind: "array", items: [useFirst, useSecond].map((value) => ({ kind: "tensor", value })) });
    const program = b.finish();
    // both all-reduces run as one bucket at the first one's place, so `second` exists before `useFirst`
    expect(collectiveBuckets(program, program.body).size).toBe(1);
    expect(groupHints(program)).toEqual([["useFirst", "useSecond"]]);
    // without the bucket, `second` comes after `useFirst`: no group
    expect(foreachGroups(program.body, { keyOf: keyOf(program) }).size).toBe(0);
  });

  test("an alias (a peephole's x * 1) is ready when what it is is ready", () => {
    const b = new ProgramBuilder({ name: "aliases", mesh: mesh4, layoutSpec: "" });
    const x = b.param("x", [d("a", 4)]);
    const y = b.param("y", [d("a", 4)]);
    const first = b.add({ op: "unary", fn: "neg" }, [x], { hint: "first" });
    const same = b.add({ op: "binary", fn: "mul", scalar: { value: 1, position: 1 } }, [y], { hint: "same" });
    const second = b.add({ op: "unary", fn: "neg" }, [same], { hint: "second" });
    b.setResult({ kind: "array", items: [first, second].map((value) => ({ kind: "tensor", value })) });
    const program = b.finish();
    const plainKey = keyOf(program);
    const key = (op: Op) => (op.output === same ? undefined : plainKey(op));
    expect(foreachGroups(program.body, { keyOf: key }).size).toBe(0);
    const groups = foreachGroups(program.body, { keyOf: key, aliases: new Map([[same, y]]) });
    expect([...groups.values()].map((group) => group.map((op) => op.output))).toEqual([[first, second]]);
  });

  test("inside a loop body the body's own statements group (the emitter writes the call inside the loop)", () => {
    const b = new ProgramBuilder({ name: "looped", mesh: mesh4, layoutSpec: "" });
    const w = b.param("w", [d("a", 4)]);
    const v = b.param("v", [d("b", 2)]);
    const outputs = b.loop(2, [w, v], [], ({ carried }) => [
      b.add({ op: "binary", fn: "mul", scalar: { value: 0.5, position: 1 } }, [carried[0]], { hint: "nextW" }),
      b.add({ op: "binary", fn: "mul", scalar: { value: 0.5, position: 1 } }, [carried[1]], { hint: "nextV" }),
    ]);
    b.setResult({ kind: "array", items: outputs.map((value) => ({ kind: "tensor", value })) });
    const program = b.finish();
    const loop = program.body.find(isLoop);
    if (!loop) throw new Error("no loop");
    expect(groupHints(program)).toEqual([]);
    expect(groupHints(program, loop.body)).toEqual([["nextW", "nextV"]]);
    const text = emitTorchModule([compileProgram(program)], "looped.ts");
    expect(text).toMatch(/\n {8}nextW, nextV = torch\._foreach_mul\(\[w_1, v_1\], 0\.5\)  # 2 x a \* 0\.5 in one foreach call/);
  });
});

describe("foreachForm", () => {
  const value = (id: number, dims: Dim[]) => ({ id, dims });
  const x = value(0, [d("a", 4), d("b", 2)]);
  const s = value(1, []);
  const row = value(2, [d("b", 2)]);
  const transposed = value(3, [d("b", 2), d("a", 4)]);
  const op = (attrs: OpAttrs, inputs: number[]): Op => ({ ...attrs, inputs, output: 9, loc: { file: "", line: 0, column: 0 } }) as Op;
  const call = (attrs: OpAttrs, inputs: ReturnType<typeof value>[]): string | undefined =>
    foreachForm(op(attrs, inputs.map((item) => item.id)), inputs, x, float32)?.call([["x1", "x2"], ["y1", "y2"]]);

  test("the calls: list-list, list-scalar, a 0-d tensor per item, s - x, square", () => {
    expect(call({ op: "binary", fn: "sub" }, [x, x])).toBe("torch._foreach_sub([x1, x2], [y1, y2])");
    expect(call({ op: "binary", fn: "div" }, [x, s])).toBe("torch._foreach_div([x1, x2], [y1, y2])");
    expect(call({ op: "binary", fn: "mul", scalar: { value: 0.25, position: 0 } }, [x])).toBe("torch._foreach_mul([x1, x2], 0.25)");
    expect(call({ op: "binary", fn: "sub", scalar: { value: 1, position: 0 } }, [x])).toBe("torch._foreach_add(torch._foreach_neg([x1, x2]), 1)");
    expect(call({ op: "unary", fn: "square" }, [x])).toBe("torch._foreach_mul([x1, x2], [x1, x2])");
    expect(call({ op: "unary", fn: "sqrt" }, [x])).toBe("torch._foreach_sqrt([x1, x2])");
    // a 0-d tensor on the left of a commutative op reads the lists swapped
    expect(foreachForm(op({ op: "binary", fn: "mul" }, [1, 0]), [s, x], x, float32)?.order).toEqual([1, 0]);
  });

  test("no form: broadcasting or permuting operands, s / x, s - x with a 0-d tensor, ops torch 1.13 has no foreach for", () => {
    expect(call({ op: "binary", fn: "add" }, [x, row])).toBeUndefined();
    expect(call({ op: "binary", fn: "add" }, [x, transposed])).toBeUndefined();
    expect(call({ op: "binary", fn: "div", scalar: { value: 1, position: 0 } }, [x])).toBeUndefined();
    expect(call({ op: "binary", fn: "sub" }, [s, x])).toBeUndefined();
    expect(call({ op: "binary", fn: "pow", scalar: { value: 2, position: 1 } }, [x])).toBeUndefined();
    expect(call({ op: "unary", fn: "rsqrt" }, [x])).toBeUndefined();
    expect(call({ op: "unary", fn: "relu" }, [x])).toBeUndefined();
    expect(call({ op: "einsum" }, [x, x])).toBeUndefined();
  });

  test("the key holds the dtype: float32 and bfloat16 ops never share a call", () => {
    const scaled = op({ op: "binary", fn: "mul", scalar: { value: 2, position: 1 } }, [0]);
    expect(foreachForm(scaled, [x], x, "torch.float32")?.key).not.toBe(foreachForm(scaled, [x], x, "torch.bfloat16")?.key);
  });
});
