/**
 * Fused updates on small programs: `a + b * c` and `a + g * g * c` become one
 * torch call where the product has no other reader, sits in the same block
 * and nothing broadcasts; `a ± x * y` and `a ± x / y` (y 0-d or of a's
 * layout) are addcmul and addcdiv with value ±1; otherwise the ops stay
 * separate.
 * Running them under torch: foreachRun.test.ts.
 */
import { describe, expect, test } from "vitest";
import type { Dim } from "../../../dsl/tensor.ts";
import { ProgramBuilder } from "../../ir/builder.ts";
import type { OpAttrs } from "../../ir/opAttrs.ts";
import type { Program, ValueId } from "../../ir/ir.ts";
import { compileProgram } from "../../passes/pipeline.ts";
import { mesh4 } from "../../testing/torch/torchCases.ts";
import { emitTorchModule } from "./emitTorchModule.ts";

const d = (name: string, size: number): Dim => ({ name, size });
const mul = (value: number): OpAttrs => ({ op: "binary", fn: "mul", scalar: { value, position: 1 } });
const add: OpAttrs = { op: "binary", fn: "add" };

/** The body lines of a program over m, g [batch=4 d_model=2] returning what `build` returns. */
function lines(build: (b: ProgramBuilder, m: ValueId, g: ValueId) => ValueId[]): string[] {
  const b = new ProgramBuilder({ name: "fused", mesh: mesh4, layoutSpec: "batch:data" });
  const m = b.param("m", [d("batch", 4), d("d_model", 2)]);
  const g = b.param("g", [d("batch", 4), d("d_model", 2)]);
  b.setResult({ kind: "array", items: build(b, m, g).map((value) => ({ kind: "tensor", value })) });
  const program: Program = compileProgram(b.finish());
  const text = emitTorchModule([program], "fused.ts");
  return text.slice(text.indexOf("def fused("), text.indexOf("fused_meta =")).split("\n").filter((line) => line.startsWith("    "));
}

describe("fuseUpdates", () => {
  test("m + (g - m) * 0.1 is torch.add(m, diff, alpha=0.1); the product is no line", () => {
    const body = lines((b, m, g) => [b.add(add, [m, b.add(mul(0.1), [b.add({ op: "binary", fn: "sub" }, [g, m], { hint: "diff" })], { hint: "step" })], { hint: "updated" })]);
    expect(body).toContainEqual(expect.stringContaining("updated = torch.add(m, diff, alpha=0.1)"));
    expect(body.some((line) => line.includes("step ="))).toBe(false);
  });

  test("v * 0.999 + square(g) * 0.001 is one addcmul, and g * m * 0.5 + v too; a - b * c has alpha -c", () => {
    const body = lines((b, m, g) => {
      const decayed = b.add(mul(0.999), [m], { hint: "decayed" });
      const squares = b.add(mul(0.001), [b.add({ op: "unary", fn: "square" }, [g], { hint: "power" })], { hint: "powerStep" });
      const products = b.add(mul(0.5), [b.add({ op: "binary", fn: "mul" }, [g, m], { hint: "product" })], { hint: "productStep" });
      return [
        b.add(add, [decayed, squares], { hint: "second" }),
        b.add(add, [products, m], { hint: "mixed" }),
        b.add({ op: "binary", fn: "sub" }, [m, b.add(mul(0.3), [g], { hint: "cut" })], { hint: "lowered" }),
      ];
    });
    expect(body).toContainEqual(expect.stringContaining("second = torch.addcmul(decayed, g, g, value=0.001)"));
    expect(body).toContainEqual(expect.stringContaining("mixed = torch.addcmul(m, g, m, value=0.5)"));
    expect(body).toContainEqual(expect.stringContaining("lowered = torch.add(m, g, alpha=-0.3)"));
    expect(body.some((line) => /power =|powerStep =|product =|productStep =|cut =/.test(line))).toBe(false);
  });

  test("AdamW's p - (m / d) * s with s a 0-d tensor is the quotient and one addcmul with value -1 (no host sync); a - b / c is one addcdiv", () => {
    const body = lines((b, m, g) => {
      const s = b.param("s", []);
      const p = b.param("p", [d("batch", 4), d("d_model", 2)]);
      const ratio = b.add({ op: "binary", fn: "div" }, [m, g], { hint: "ratio" });
      const step = b.add({ op: "binary", fn: "mul" }, [ratio, s], { hint: "step" });
      const swapped = b.add({ op: "binary", fn: "mul" }, [s, b.add({ op: "unary", fn: "exp" }, [g], { hint: "grown" })], { hint: "swappedStep" });
      return [
        b.add({ op: "binary", fn: "sub" }, [p, step], { hint: "updated" }),
        b.add(add, [swapped, m], { hint: "raised" }),
        b.add({ op: "binary", fn: "sub" }, [p, b.add({ op: "binary", fn: "div" }, [g, m], { hint: "quotient" })], { hint: "divided" }),
        b.add({ op: "binary", fn: "sub" }, [p, b.add({ op: "binary", fn: "div" }, [g, s], { hint: "perStep" })], { hint: "perScalar" }),
      ];
    });
    expect(body).toContainEqual(expect.stringContaining("ratio = m / g"));
    expect(body).toContainEqual(expect.stringContaining("updated = torch.addcmul(p, ratio, s, value=-1)"));
    expect(body).toContainEqual(expect.stringContaining("raised = torch.addcmul(m, grown, s, value=1)"));
    expect(body).toContainEqual(expect.stringContaining("divided = torch.addcdiv(p, g, m, value=-1)"));
    expect(body).toContainEqual(expect.stringContaining("perScalar = torch.addcdiv(p, g, s, value=-1)"));
    expect(body.some((line) => /step =|swappedStep =|quotient =|perStep =|\.item\(\)/.test(line))).toBe(false);
  });

  test("not fused with value ±1: a quotient by a broadcasting tensor, a 0-d dividend, s / a", () => {
    const body = lines((b, m, g) => {
      const s = b.param("s", []);
      const w = b.param("w", [d("d_model", 2)]);
      return [
        b.add({ op: "binary", fn: "sub" }, [m, b.add({ op: "binary", fn: "div" }, [g, w], { hint: "wide" })], { hint: "broadcast" }),
        b.add(add, [m, b.add({ op: "binary", fn: "div" }, [s, g], { hint: "inverse" })], { hint: "inverted" }),
      ];
    });
    // the quotients stay as they are (w and s broadcast by numpy's rules, with no index view)
    expect(body).toContainEqual(expect.stringMatching(/^\s*wide = g \/ w  #/));
    expect(body).toContainEqual(expect.stringMatching(/^\s*inverse = s \/ g  #/));
    expect(body.some((line) => /addcdiv|addcmul/.test(line))).toBe(false);
  });

  test("not fused: a product another op reads too, (b * c) - a, a broadcasting operand", () => {
    const body = lines((b, m, g) => {
      const shared = b.add(mul(0.1), [g], { hint: "shared" });
      const w = b.param("w", [d("d_model", 2)]);
      return [
        b.add(add, [m, shared], { hint: "once" }),
        b.add(add, [g, shared], { hint: "twice" }),
        b.add({ op: "binary", fn: "sub" }, [b.add(mul(0.2), [g], { hint: "left" }), m], { hint: "reversed" }),
        b.add(add, [b.add(mul(0.4), [m], { hint: "wide" }), w], { hint: "broadcast" }),
      ];
    });
    expect(body).toContainEqual(expect.stringContaining("shared = g * 0.1"));
    expect(body).toContainEqual(expect.stringContaining("left = g * 0.2"));
    expect(body).toContainEqual(expect.stringContaining("reversed = left - m"));
    expect(body).toContainEqual(expect.stringContaining("wide = m * 0.4"));
    expect(body.some((line) => line.includes("alpha="))).toBe(false);
  });

  test("a product outside a loop is not fused into an add inside it (the loop would compute it every iteration)", () => {
    const body = lines((b, m, g) => {
      const outside = b.add(mul(0.1), [g], { hint: "outside" });
      return b.loop(2, [m], [], ({ carried }) => [b.add(add, [carried[0], outside], { hint: "inside" })]);
    });
    expect(body).toContainEqual(expect.stringContaining("outside = g * 0.1"));
    expect(body).toContainEqual(expect.stringMatching(/inside = \w+ \+ outside/));
  });
});
