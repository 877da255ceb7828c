/**
 * The torch peepholes on small programs: each rewrite is found (and only
 * where it computes the same thing), and the emitted Python shows it.
 * Running them under torch: foreachRun.test.ts and torchRun.test.ts.
 */
import { describe, expect, test } from "vitest";
import type { Dim } from "../../../dsl/tensor.ts";
import { ProgramBuilder } from "../../ir/builder.ts";
import type { OpAttrs } from "../../ir/opAttrs.ts";
import type { Program, ValueId } from "../../ir/ir.ts";
import { compileProgram } from "../../passes/pipeline.ts";
import { mesh4 } from "../../testing/torch/torchCases.ts";
import { emitTorchModule } from "./emitTorchModule.ts";
import { torchPeepholes } from "./peepholes.ts";

const d = (name: string, size: number): Dim => ({ name, size });
const float32 = () => "torch.float32";

/** A program of `build`'s ops over x [batch=4 d_model=2]; it returns what `build` returns. */
function program(build: (b: ProgramBuilder, x: ValueId) => ValueId[], layoutSpec = "batch:data"): Program {
  const b = new ProgramBuilder({ name: "peep", mesh: mesh4, layoutSpec });
  const x = b.param("x", [d("batch", 4), d("d_model", 2)]);
  const results = build(b, x);
  b.setResult({ kind: "array", items: results.map((value) => ({ kind: "tensor", value })) });
  return compileProgram(b.finish());
}

function bodyLines(lowered: Program): string[] {
  const text = emitTorchModule([lowered], "peep.ts");
  const body = text.slice(text.indexOf("def peep("), text.indexOf("peep_meta ="));
  return body.split("\n").filter((line) => line.startsWith("    ") && !line.includes('"""'));
}

const scalar = (fn: "add" | "sub" | "mul" | "div", value: number, position: 0 | 1): OpAttrs => ({ op: "binary", fn, scalar: { value, position } });

describe("torchPeepholes", () => {
  test("x * 1, 1 * x, x / 1, x + 0, 0 + x, x - 0 are x: no line, and what reads them reads x", () => {
    const identities: [OpAttrs, string][] = [
      [scalar("mul", 1, 1), "x * 1"], [scalar("mul", 1, 0), "1 * x"], [scalar("div", 1, 1), "x / 1"],
      [scalar("add", 0, 1), "x + 0"], [scalar("add", 0, 0), "0 + x"], [scalar("sub", 0, 1), "x - 0"],
    ];
    for (const [attrs, what] of identities) {
      const lowered = program((b, x) => [b.add({ op: "unary", fn: "exp" }, [b.add(attrs, [x], { hint: "same" })], { hint: "out" })]);
      const peepholes = torchPeepholes(lowered, { dtypeOf: float32 });
      expect(peepholes.aliases.size, what).toBe(1);
      const lines = bodyLines(lowered);
      expect(lines.some((line) => line.includes("same =")), `${what}: ${lines.join("\n")}`).toBe(false);
      expect(lines, what).toContainEqual(expect.stringContaining("out = torch.exp(x)"));
    }
  });

  test("0 - x, 1 / x, x * 2, x - 1 are not x", () => {
    for (const attrs of [scalar("sub", 0, 0), scalar("div", 1, 0), scalar("mul", 2, 1), scalar("sub", 1, 1)]) {
      const lowered = program((b, x) => [b.add(attrs, [x], { hint: "kept" })]);
      expect(torchPeepholes(lowered, { dtypeOf: float32 }).aliases.size).toBe(0);
      expect(bodyLines(lowered)).toContainEqual(expect.stringContaining("kept = "));
    }
  });

  test("a chain on a tensor of one value is one torch.full of the float32 result; the tensors it no longer reads are not built", () => {
    const lowered = program((b) => {
      const one = b.add({ op: "full", value: 1 }, [], { dims: [], hint: "one" });
      const minus = b.add({ op: "unary", fn: "neg" }, [one], { hint: "minus" });
      const tenth = b.add({ op: "full", value: 0.1 }, [], { dims: [], hint: "tenth" });
      const sum = b.add({ op: "binary", fn: "add" }, [tenth, b.add(scalar("mul", 0.2, 1), [tenth], { hint: "fifth" })], { hint: "total" });
      return [b.add(scalar("mul", 0.03125, 1), [minus], { hint: "scaled" }), sum];
    }, "");
    const lines = bodyLines(lowered);
    expect(lines).toContainEqual(expect.stringContaining("scaled = torch.full((), -0.03125, dtype=torch.float32"));
    // float32 arithmetic as torch does it: f32(0.1) + f32(f32(0.1) * f32(0.2)), not the double 0.12
    const f = Math.fround;
    expect(lines).toContainEqual(expect.stringContaining(`total = torch.full((), ${f(f(0.1) + f(f(0.1) * f(0.2)))}, dtype=torch.float32`));
    expect(lines.filter((line) => line.includes("torch.full"))).toHaveLength(2);
    expect(lines.some((line) => /torch\.neg|one =|minus =|tenth =|fifth =/.test(line))).toBe(false);
  });

  test("an einsum with a tensor of ones that contracts nothing is a broadcast (expand), and the ones are not built", () => {
    const lowered = program((b, x) => {
      const rows = b.add({ op: "reduce", fn: "sum", dims: ["d_model"] }, [x], { hint: "rows" });
      const ones = b.add({ op: "full", value: 1 }, [], { dims: [d("d_model", 2)], hint: "ones" });
      return [b.add({ op: "einsum" }, [rows, ones], { out: ["batch", "d_model"], hint: "spread" })];
    });
    const lines = bodyLines(lowered);
    expect(lines).toContainEqual(expect.stringContaining("spread = rows[:, None].expand(1, 2)"));
    expect(lines.some((line) => line.includes("torch.einsum") || line.includes("torch.full"))).toBe(false);
  });

  test("an einsum with a tensor of one value c (not 1) is the other operand times c; one that contracts the ones stays a contraction", () => {
    const lowered = program((b, x) => {
      const half = b.add({ op: "full", value: 0.5 }, [], { dims: [], hint: "half" });
      const ones = b.add({ op: "full", value: 1 }, [], { dims: [d("d_model", 2)], hint: "ones" });
      return [
        b.add({ op: "einsum" }, [half, x], { out: ["batch", "d_model"], hint: "halved" }),
        // contracting d_model with the ones is a sum over d_model: not a broadcast
        b.add({ op: "einsum" }, [x, ones], { out: ["batch"], hint: "summed" }),
      ];
    });
    const lines = bodyLines(lowered);
    expect(lines).toContainEqual(expect.stringContaining("halved = x * 0.5"));
    expect(lines).toContainEqual(expect.stringContaining("summed = torch.mm(x, ones.reshape(2, 1)).view(1,)"));
    expect(lines.some((line) => line.includes("half ="))).toBe(false);
  });

  test("a binary op with an operand of one value uses it as a Python scalar", () => {
    const lowered = program((b, x) => {
      const third = b.add({ op: "full", value: 3 }, [], { dims: [d("batch", 4), d("d_model", 2)], hint: "third" });
      return [b.add({ op: "binary", fn: "sub" }, [third, x], { hint: "diff" })];
    });
    const lines = bodyLines(lowered);
    expect(lines).toContainEqual(expect.stringContaining("diff = 3 - x"));
    expect(lines.some((line) => line.includes("torch.full"))).toBe(false);
  });

  test("an einsum that only sums is torch.sum; one of two operands with the same dims is torch.sum of their product; a matmul is not a sum (matmulLowering.ts makes it torch.mm)", () => {
    const lowered = program((b, x) => {
      const y = b.param("y", [d("d_model", 2), d("batch", 4)]);
      const w = b.param("w", [d("d_model", 2), d("d_ff", 3)]);
      return [
        b.add({ op: "einsum" }, [x], { out: ["d_model"], hint: "columns" }),
        b.add({ op: "einsum" }, [x, y], { out: ["batch"], hint: "dots" }),
        b.add({ op: "einsum" }, [x, w], { out: ["batch", "d_ff"], hint: "projected" }),
        // the output's order is not the operand's: no torch.sum (it would need a permute)
        b.add({ op: "einsum" }, [x], { out: ["d_model", "batch"], hint: "flipped" }),
      ];
    }, "");
    const lines = bodyLines(lowered);
    expect(lines).toContainEqual(expect.stringContaining("columns = torch.sum(x, dim=(0,))"));
    expect(lines).toContainEqual(expect.stringContaining("dots = torch.sum(x * y.permute(1, 0), dim=(1,))"));
    expect(lines).toContainEqual(expect.stringContaining("projected = torch.mm(x, w)"));
    expect(lines).toContainEqual(expect.stringContaining("flipped = x.t()"));
  });

  test("a tensor of one value that a loop carries or the result returns is still built", () => {
    const lowered = program((b) => [b.add({ op: "full", value: 2 }, [], { dims: [d("batch", 4)], hint: "two" })]);
    expect(torchPeepholes(lowered, { dtypeOf: float32 }).unused.size).toBe(0);
    expect(bodyLines(lowered)).toContainEqual(expect.stringContaining("two = torch.full((1,), 2"));
  });

  test("nothing folds in bfloat16, and nothing reads or replaces an opaque value", () => {
    const lowered = program((b, x) => [b.add(scalar("mul", 1, 1), [x], { hint: "same" })]);
    expect(torchPeepholes(lowered, { dtypeOf: () => "torch.bfloat16" }).rewrites.size).toBe(0);
    const xId = [...lowered.values.values()].find((value) => value.hint === "x")?.id as ValueId;
    expect(torchPeepholes(lowered, { dtypeOf: float32, opaque: new Set([xId]) }).rewrites.size).toBe(0);
  });
});
