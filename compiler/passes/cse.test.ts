import { describe, expect, it } from "vitest";
import { ProgramBuilder } from "../ir/builder.ts";
import type { Program } from "../ir/ir.ts";
import { walkOps } from "../ir/opAttrs.ts";
import { printProgram } from "../ir/printer.ts";
import { verify } from "../ir/verify.ts";
import { dimsFrom } from "../testing/fixtures.ts";
import { makeInputs, maxDifference, runEager } from "../testing/harness.ts";
import { cse } from "./cse.ts";

const sizes = { batch: 2, seq: 3, experts: 4, d_model: 2 };
const dims = (spec: string) => dimsFrom(sizes, spec);
const mesh = [{ name: "data", size: 2 }];

function build(body: (b: ProgramBuilder) => number | Parameters<ProgramBuilder["setResult"]>[0]): Program {
  const b = new ProgramBuilder({ name: "p", mesh, layoutSpec: "batch:data" });
  b.setResult(body(b));
  return verify(b.finish(), "built");
}

function opKinds(program: Program): string[] {
  return [...walkOps(program.body)].map((op) => (op.op === "binary" || op.op === "unary" || op.op === "reduce" ? `${op.op}:${op.fn}` : op.op));
}

describe("cse", () => {
  it("merges a softmax and a max asked for twice, and their readers read the first", async () => {
    const program = build((b) => {
      const x = b.param("x", dims("batch seq experts"));
      const first = b.add({ op: "softmax", dim: "experts", log: false }, [x]);
      const again = b.add({ op: "softmax", dim: "experts", log: false }, [x]);
      const top = b.add({ op: "reduce", fn: "max", dims: ["experts"] }, [first]);
      const topAgain = b.add({ op: "reduce", fn: "max", dims: ["experts"] }, [again]);
      return { kind: "object", fields: { a: { kind: "tensor", value: b.add({ op: "binary", fn: "sub" }, [top, topAgain]) }, b: { kind: "tensor", value: again } } };
    });
    const merged = verify(cse(program), "cse");
    expect(opKinds(merged)).toEqual(["param", "softmax", "reduce:max", "binary:sub"]);
    expect(merged.values.size).toBe(4);
    const args = makeInputs(program, 3, {});
    expect(maxDifference(await runEager(merged, args), await runEager(program, args))).toBe(0);
  });

  it("keeps ops that differ in attributes, result dims, phase, and never merges params", () => {
    const program = build((b) => {
      const x = b.param("x", dims("batch seq"));
      const y = b.param("y", dims("batch seq"));
      const sums = [
        b.add({ op: "reduce", fn: "sum", dims: ["seq"] }, [x]),
        b.add({ op: "reduce", fn: "mean", dims: ["seq"] }, [x]),
        b.add({ op: "transpose" }, [x], { out: ["seq", "batch"] }),
        b.add({ op: "einsum" }, [x, y], { out: ["batch"] }),
        b.add({ op: "einsum" }, [x, y], { out: ["seq"] }),
        b.add({ op: "binary", fn: "mul", scalar: { value: 2, position: 1 } }, [x]),
        b.add({ op: "binary", fn: "mul", scalar: { value: 2, position: 0 } }, [x]),
        b.add({ op: "binary", fn: "mul", scalar: { value: 2, position: 1 } }, [x], { phase: "backward" }),
      ];
      return { kind: "array", items: sums.map((value) => ({ kind: "tensor" as const, value })) };
    });
    expect(cse(program)).toBe(program);
  });

  it("merges a loop body's op with one before the loop, and keeps what the body carries and what comes after", () => {
    const program = build((b) => {
      const x = b.param("x", dims("batch d_model"));
      const outer = b.add({ op: "unary", fn: "tanh" }, [x]);
      const [out] = b.loop(2, [x], [], ({ carried }) => {
        const inner = b.add({ op: "unary", fn: "tanh" }, [x]);
        const step = b.add({ op: "binary", fn: "add" }, [carried[0], inner]);
        return [b.add({ op: "binary", fn: "mul" }, [step, inner])];
      });
      const after = b.add({ op: "unary", fn: "tanh" }, [x]);
      return b.add({ op: "binary", fn: "add" }, [b.add({ op: "binary", fn: "add" }, [out, outer]), after]);
    });
    const merged = verify(cse(program), "cse");
    const text = printProgram(merged);
    // one tanh of x: the body's two and the one after the loop read the first
    expect(text.match(/unary fn=tanh/g)?.length).toBe(1);
    expect(opKinds(merged).filter((kind) => kind === "binary:add").length).toBe(3);
    expect(opKinds(merged).filter((kind) => kind === "binary:mul").length).toBe(1);
  });

  it("keeps a body op that makes the loop's carried result, though it repeats one before the loop", () => {
    const program = build((b) => {
      const x = b.param("x", dims("batch d_model"));
      const outer = b.add({ op: "unary", fn: "tanh" }, [x]);
      const [out] = b.loop(2, [x], [], () => [b.add({ op: "unary", fn: "tanh" }, [x])]);
      return b.add({ op: "binary", fn: "add" }, [out, outer]);
    });
    const merged = verify(cse(program), "cse");
    expect(printProgram(merged).match(/unary fn=tanh/g)?.length).toBe(2);
  });
});
