/**
 * Every foreach form and peephole of the torch back end, run for real: one
 * program that uses each of them (list-list, list-scalar, a 0-d tensor per
 * item on either side, s - x as neg + add, square, aliases of x * 1 and x + 0,
 * a folded chain on a tensor of one value, a broadcast einsum with ones, the
 * fused `a + b * c` and `a + g * g * c` of fusedOps.ts, and its `a - q * s`
 * and `a ± b / c` with value ±1, s and c 0-d or not) is
 * emitted, launched as 4 gloo processes with the batch split over them, and
 * every rank must hold its shard of the eager TypeScript result.
 */
import { beforeAll, expect, test } from "vitest";
import type { Dim } from "../../../dsl/tensor.ts";
import { ProgramBuilder } from "../../ir/builder.ts";
import type { OpAttrs } from "../../ir/opAttrs.ts";
import type { Program, ValueId } from "../../ir/ir.ts";
import { compareRanks } from "../../testing/torch/compareRanks.ts";
import { runTorchPrograms, type TorchRun } from "../../testing/torch/runTorch.ts";
import { mesh4, prepareCase, type TorchTestCase } from "../../testing/torch/torchCases.ts";
import { describeWithTorch } from "../../testing/torch/torchGuard.ts";
import { emitTorchModule } from "./emitTorchModule.ts";

const d = (name: string, size: number): Dim => ({ name, size });
const scalar = (fn: "add" | "sub" | "mul" | "div", value: number, position: 0 | 1): OpAttrs => ({ op: "binary", fn, scalar: { value, position } });

/** Two leaves through every form, as an optimizer's update runs its steps over every leaf. */
function formsProgram(): Program {
  const b = new ProgramBuilder({ name: "foreachForms", mesh: mesh4, layoutSpec: "batch:data" });
  const rows = [d("batch", 4), d("d_model", 2)];
  const x = b.param("x", rows);
  const y = b.param("y", rows);
  const z = b.param("z", rows);
  const s = b.param("s", []);
  const w = b.param("w", [d("d_model", 2)]);
  const t = b.add(scalar("add", 1, 1), [b.add({ op: "unary", fn: "square" }, [s])], { hint: "t" });
  const leaf = (first: ValueId, second: ValueId, index: number): ValueId[] => {
    const add = (attrs: OpAttrs, inputs: ValueId[], hint: string): ValueId => b.add(attrs, inputs, { hint: `${hint}${index}` });
    const diff = add({ op: "binary", fn: "sub" }, [first, second], "diff");
    const half = add(scalar("mul", 0.5, 1), [diff], "half");
    const rest = add(scalar("sub", 1, 0), [half], "rest");
    const squared = add({ op: "unary", fn: "square" }, [rest], "squared");
    const divided = add({ op: "binary", fn: "div" }, [squared, t], "divided");
    const scaled = add({ op: "binary", fn: "mul" }, [s, divided], "scaled");
    const root = add({ op: "unary", fn: "sqrt" }, [add({ op: "unary", fn: "abs" }, [scaled], "magnitude")], "root");
    const larger = add({ op: "binary", fn: "maximum" }, [root, first], "larger");
    const same = add(index === 0 ? scalar("mul", 1, 1) : scalar("add", 0, 1), [larger], "same");
    const negated = add({ op: "unary", fn: "neg" }, [same], "negated");
    const shifted = add({ op: "binary", fn: "add" }, [negated, w], "shifted");
    // fused: second + diff * 0.1, first * 0.9 + first² * 0.1, first - second * 0.3
    const momentum = add({ op: "binary", fn: "add" }, [second, add(scalar("mul", 0.1, 1), [diff], "step")], "momentum");
    const decayed = add(scalar("mul", 0.9, 1), [first], "decayed");
    const moment = add({ op: "binary", fn: "add" }, [decayed, add(scalar("mul", 0.1, 1), [add({ op: "unary", fn: "square" }, [first], "power")], "powerStep")], "moment");
    const lowered = add({ op: "binary", fn: "sub" }, [first, add(scalar("mul", 0.3, 1), [second], "cut")], "lowered");
    // value ±1: first - (diff / (1 + |second|)) * s (AdamW's update, s 0-d), first - second / t, first + second / (1 + |second|)
    const positive = add(scalar("add", 1, 1), [add({ op: "unary", fn: "abs" }, [second], "size")], "positive");
    const ratio = add({ op: "binary", fn: "div" }, [diff, positive], "ratio");
    const stepped = add({ op: "binary", fn: "sub" }, [first, add({ op: "binary", fn: "mul" }, [ratio, s], "stepSized")], "stepped");
    const quotient = add({ op: "binary", fn: "sub" }, [first, add({ op: "binary", fn: "div" }, [second, t], "perT")], "quotient");
    const damped = add({ op: "binary", fn: "add" }, [first, add({ op: "binary", fn: "div" }, [second, positive], "shrunk")], "damped");
    return [divided, scaled, shifted, momentum, moment, lowered, stepped, quotient, damped];
  };
  const [divided0, scaled0, shifted0, ...fused0] = leaf(x, y, 0);
  const [, scaled1, shifted1, ...fused1] = leaf(z, x, 1);
  const minusQuarter = b.add(scalar("mul", 0.25, 1), [b.add({ op: "unary", fn: "neg" }, [b.add({ op: "full", value: 1 }, [], { dims: [] })])], { hint: "minusQuarter" });
  const quarters = b.add({ op: "einsum" }, [minusQuarter, b.add({ op: "full", value: 1 }, [], { dims: rows })], { out: ["batch", "d_model"], hint: "quarters" });
  const weighted = b.add({ op: "binary", fn: "mul" }, [shifted0, quarters], { hint: "weighted" });
  const sums = b.add({ op: "reduce", fn: "sum", dims: ["d_model"] }, [weighted], { hint: "sums" });
  const spread = b.add({ op: "einsum" }, [sums, b.add({ op: "full", value: 1 }, [], { dims: [d("d_model", 2)] })], { out: ["batch", "d_model"], hint: "spread" });
  const out = b.add({ op: "binary", fn: "add" }, [spread, shifted1], { hint: "out" });
  b.setResult({ kind: "array", items: [out, divided0, scaled0, scaled1, ...fused0, ...fused1].map((value) => ({ kind: "tensor", value })) });
  return b.finish();
}

describeWithTorch("foreach calls and peepholes on 4 gloo processes", () => {
  let testCase: TorchTestCase;
  let run: TorchRun;
  let text: string;

  beforeAll(async () => {
    testCase = await prepareCase({ name: "foreach_forms", global: formsProgram(), integers: {} });
    text = emitTorchModule([testCase.program], "forms.ts");
    run = await runTorchPrograms([testCase]);
  }, 300_000);

  test("the module uses every form: list-list, list-scalar, 0-d items (swapped too), s - x, square, aliases, a folded full, a broadcast", () => {
    const body = text.slice(text.indexOf("def foreach_forms("), text.indexOf("foreach_forms_meta ="));
    expect(body).toMatch(/diff0, diff1 = torch\._foreach_sub\(\[x, z\], \[y, x\]\)/);
    expect(body).toMatch(/half0, half1 = torch\._foreach_mul\(\[diff0, diff1\], 0\.5\)/);
    expect(body).toMatch(/rest0, rest1 = torch\._foreach_add\(torch\._foreach_neg\(\[half0, half1\]\), 1\)/);
    expect(body).toMatch(/squared0, squared1 = torch\._foreach_mul\(\[rest0, rest1\], \[rest0, rest1\]\)/);
    expect(body).toMatch(/divided0, divided1 = torch\._foreach_div\(\[squared0, squared1\], \[t, t\]\)/);
    expect(body).toMatch(/scaled0, scaled1 = torch\._foreach_mul\(\[divided0, divided1\], \[s, s\]\)/);
    expect(body).toMatch(/larger0, larger1 = torch\._foreach_maximum\(\[root0, root1\], \[x, z\]\)/);
    // x * 1 and x + 0 are no lines: the negation reads the maximum directly
    expect(body).toMatch(/negated0, negated1 = torch\._foreach_neg\(\[larger0, larger1\]\)/);
    expect(body).not.toMatch(/same[01] =/);
    expect(body).toMatch(/weighted = shifted0 \* -0\.25/);
    expect(body).toMatch(/spread = sums\[:, None\]\.expand\(1, 2\)/);
    expect(body).toMatch(/momentum0, momentum1 = torch\._foreach_add\(\[y, x\], \[diff0, diff1\], alpha=0\.1\)/);
    expect(body).toMatch(/moment0, moment1 = torch\._foreach_addcmul\(\[decayed0, decayed1\], \[x, z\], \[x, z\], value=0\.1\)/);
    expect(body).toMatch(/lowered0, lowered1 = torch\._foreach_add\(\[x, z\], \[y, x\], alpha=-0\.3\)/);
    expect(body).toMatch(/stepped0, stepped1 = torch\._foreach_addcmul\(\[x, z\], \[ratio0, ratio1\], \[s, s\], value=-1\)/);
    expect(body).toMatch(/quotient0, quotient1 = torch\._foreach_addcdiv\(\[x, z\], \[y, x\], \[t, t\], value=-1\)/);
    expect(body).toMatch(/damped0, damped1 = torch\._foreach_addcdiv\(\[x, z\], \[y, x\], \[positive0, positive1\], value=1\)/);
    expect(body).not.toMatch(/step[01] =|power[01] =|powerStep[01] =|cut[01] =|stepSized[01] =|perT[01] =|shrunk[01] =/);
    expect(body).not.toContain("torch.full");
    expect(body).not.toContain("torch.einsum");
  });

  test("every rank holds its shard of the eager result", () => {
    const ranks = run.ranks.get("foreach_forms");
    if (!ranks) throw new Error("no torch result for foreach_forms");
    expect(compareRanks(testCase.program, ranks, testCase.expected).problems).toEqual([]);
  });
});
