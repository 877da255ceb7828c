import { describe, expect, it } from "vitest";
import { autodiffMessages } from "../diagnostics/autodiffMessages.ts";
import { CompileError } from "../diagnostics/diagnostic.ts";
import { FixtureProject, where } from "../frontend/__fixtures__/harness.ts";
import { ProgramBuilder } from "../ir/builder.ts";
import { differentiate } from "./differentiate.ts";

// One spoiler per autodiff code: a model mutated so that it must give that diagnostic at the place marked /*@*/.
const header = `import { einsum, mul, relu, sum, program, Tensor } from "./dsl.ts";
import { checkpoint, grad, valueAndGrad } from "../../../dsl/autodiff/grad.ts";
import { D, L, M } from "./config.ts";
const loss = (w: Tensor<"d_model d_ff">, x: Tensor<"batch d_model">): Tensor<""> => sum(einsum(x, w, "batch d_ff"), "batch d_ff");
`;
const fn = (body: string) => `export function f(x: Tensor<"batch d_model">, w: Tensor<"d_model d_ff">) {\n${body}\n}\nexport const p = program(f, { mesh: M, layout: L });\n`;

const spoilers = [
  { code: "MT4001", name: "gradNotFunction", source: fn("  return /*@*/grad(3 as never)(w, x);") },
  { code: "MT4002", name: "gradParamsNotTensors", source: fn("  return /*@*/grad((n: number, v: Tensor<\"batch d_model\">) => sum(mul(v, n), \"batch d_model\"))(2, x);") },
  { code: "MT4002", name: "gradParamsRepeated", source: fn("  return /*@*/grad((ws: [Tensor<\"d_model d_ff\">, Tensor<\"d_model d_ff\">]) => loss(ws[0], x))([w, w]);") },
  { code: "MT4003", name: "gradNotScalar", source: fn("  return /*@*/valueAndGrad((v: Tensor<\"d_model d_ff\">) => relu(v) as never)(w);") },
  { code: "MT4401", name: "checkpointNotFunction", source: fn("  return /*@*/checkpoint(2 as never)(x);") },
];

const project = new FixtureProject();
const cases = spoilers.map((spoiler) => ({ ...spoiler, fixture: project.addText(spoiler.name, header + spoiler.source) }));

describe("autodiff spoilers", () => {
  for (const spoiler of cases) {
    it(`${spoiler.code} ${spoiler.name}`, () => {
      const result = project.read(spoiler.fixture);
      const expected = spoiler.fixture.expected;
      expect(result.diagnostics.map(where)).toEqual([`${spoiler.fixture.file.getBaseName()}:${expected?.line}:${expected?.column} ${spoiler.code}`]);
      expect(result.diagnostics[0].hint.length).toBeGreaterThan(10);
    });
  }

  it("MT4004: differentiate refuses an op without a gradient rule (a collective) between the params and the loss", () => {
    const builder = new ProgramBuilder({ name: "collective", mesh: [{ name: "data", size: 1 }], layoutSpec: "" });
    const w = builder.param("w", [{ name: "d", size: 2 }]);
    const [after] = builder.loop(2, [w], [], (open) => [builder.add({ op: "allReduce", axis: "data", reduce: "sum" }, [open.carried[0]])]);
    const total = builder.add({ op: "reduce", fn: "sum", dims: ["d"] }, [after]);
    let caught: unknown;
    try {
      differentiate(builder, total, [w], { loc: { file: "looped.ts", line: 1, column: 1 } });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CompileError);
    expect((caught as CompileError).diagnostics.map((item) => item.code)).toEqual(["MT4004"]);
  });

  it("has a spoiler for every autodiff code", () => {
    const tested = new Set([...spoilers.map((spoiler) => spoiler.code), "MT4004"]);
    expect(Object.values(autodiffMessages).map((template) => template.code).filter((code) => !tested.has(code))).toEqual([]);
  });
});

describe("differentiate on a built program", () => {
  it("treats ops before `from` as constants and gives zeros to params the loss does not read", () => {
    const builder = new ProgramBuilder({ name: "partial", mesh: [{ name: "data", size: 1 }], layoutSpec: "" });
    const w = builder.param("w", [{ name: "d", size: 2 }]);
    const v = builder.param("v", [{ name: "d", size: 2 }]);
    const constant = builder.add({ op: "unary", fn: "exp" }, [w]);
    const from = builder.currentBlock().length;
    const product = builder.add({ op: "binary", fn: "mul" }, [w, constant]);
    const total = builder.add({ op: "reduce", fn: "sum", dims: ["d"] }, [product]);
    const [gw, gv] = differentiate(builder, total, [w, v], { loc: { file: "partial.ts", line: 1, column: 1 }, from });
    const ops = builder.currentBlock().slice(from + 2);
    // d/dw sum(w * c) = c: a broadcast of the seed times c, no exp of its own; v gets a full of zeros.
    expect(ops.filter((op) => op.op === "unary")).toEqual([]);
    expect(builder.dimsOf(gw)).toEqual([{ name: "d", size: 2 }]);
    expect(ops.find((op) => op.op !== "loop" && op.output === gv)).toMatchObject({ op: "full", value: 0 });
  });
});
