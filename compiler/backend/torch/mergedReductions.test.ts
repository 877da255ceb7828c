/**
 * Chained all-reduces merged (mergedReductions.ts): the reductions fixture's
 * max over (data, model), split by hand into a max over data and then one over
 * model, is emitted as the one call over "data+model" again (the same module
 * as the unsplit program, which the torch run tests check against eager), and
 * is kept as two calls when the first result is read elsewhere or the
 * reductions differ.
 */
import { expect, test } from "vitest";
import type { Op, Program, ValueId } from "../../ir/ir.ts";
import { walkOps } from "../../ir/opAttrs.ts";
import { compileProgram } from "../../passes/pipeline.ts";
import { reductions } from "../../testing/programs.ts";
import { emitTorchModule } from "./emitTorchModule.ts";
import { mergeChainedReductions } from "./mergedReductions.ts";

const lowered = compileProgram(reductions.build([{ name: "data", size: 2 }, { name: "model", size: 2 }], "seq:data, d_model:model"));
type AllReduce = Op & { readonly op: "allReduce" };
const joint = lowered.body.find((op): op is AllReduce => !("body" in op) && op.op === "allReduce" && op.alsoOver !== undefined);

/** The program with the all-reduce over (data, model) as one over data, then one over model (with `secondReduce`), and the id between. */
function split(secondReduce: "max" | "sum" = "max", readBetween = false): { program: Program; between: ValueId } {
  if (!joint) throw new Error("the fixture has no all-reduce over several axes");
  const between = Math.max(...lowered.values.keys()) + 1;
  const output = lowered.values.get(joint.output);
  if (!output) throw new Error("no output value");
  const first: Op = { op: "allReduce", axis: "data", reduce: joint.reduce, inputs: joint.inputs, output: between, loc: joint.loc };
  const second: Op = { op: "allReduce", axis: "model", reduce: secondReduce, inputs: [between], output: joint.output, loc: joint.loc };
  const body = lowered.body.flatMap((statement) => (statement === joint ? [first, second] : [statement]));
  const values = new Map(lowered.values).set(between, { ...output, id: between });
  const result = readBetween ? { kind: "object" as const, fields: { result: lowered.result, between: { kind: "tensor" as const, value: between } } } : lowered.result;
  return { program: { ...lowered, body, values, result }, between };
}

test("two chained all-reduces of one value are one call over the joint group, in mesh order", () => {
  expect(joint?.axis).toBe("data");
  expect(joint?.alsoOver).toEqual(["model"]);
  const { program } = split();
  const merged = [...walkOps(mergeChainedReductions(program).body)].filter((op): op is AllReduce => op.op === "allReduce" && op.reduce === "max");
  const twoAxes = merged.filter((op) => op.alsoOver !== undefined && op.alsoOver.length > 0);
  expect(twoAxes.map((op) => [op.axis, ...(op.alsoOver ?? [])])).toEqual([["data", "model"]]);
  expect(twoAxes[0].inputs).toEqual(joint?.inputs);
  const module = emitTorchModule([program], "reductions.ts");
  expect(module).toBe(emitTorchModule([lowered], "reductions.ts"));
  expect(module).toContain('"data+model", "max")');
});

test("kept as two calls when the first result is read elsewhere, or the reductions differ", () => {
  for (const { program } of [split("max", true), split("sum")]) {
    expect(mergeChainedReductions(program)).toBe(program);
    const module = emitTorchModule([program], "reductions.ts");
    expect(module).not.toContain('"data+model", "max")');
    expect(module).toMatch(/mesh\.all_reduce\(\w+, "model", "(max|sum)"\)/);
  }
});
