import { describe, expect, it } from "vitest";
import { ProgramBuilder } from "./builder.ts";

const batch = { name: "batch", size: 4 };
const dModel = { name: "d_model", size: 8 };
const dFf = { name: "d_ff", size: 16 };

describe("ProgramBuilder", () => {
  it("infers einsum dims from the output names and numbers values in order", () => {
    const b = new ProgramBuilder({ name: "mlp", mesh: [{ name: "model", size: 2 }], layoutSpec: "d_ff:model" });
    const x = b.param("x", [batch, dModel]);
    const w = b.param("w", [dModel, dFf]);
    const h = b.add({ op: "einsum" }, [x, w], { out: ["batch", "d_ff"] });
    b.setResult(h);
    const program = b.finish();
    expect([x, w, h]).toEqual([0, 1, 2]);
    expect(program.values.get(h)?.dims).toEqual([batch, dFf]);
    expect(program.layout).toEqual([{ dim: "d_ff", axis: "model" }]);
    expect(program.params.map((param) => param.name)).toEqual(["x", "w"]);
  });

  it("makes param trees with dotted paths", () => {
    const b = new ProgramBuilder({ name: "p", mesh: [], layoutSpec: "" });
    const tree = b.addParam("params", {
      kind: "object",
      fields: { w: { kind: "tensor", dims: [dModel] }, layers: { kind: "array", items: [{ kind: "tensor", dims: [dModel] }] } },
    });
    expect(tree.kind).toBe("object");
    const program = (b.setResult(tree), b.finish());
    const paths = program.body.map((op) => (op.op === "param" ? op.path : op.op));
    expect(paths).toEqual(["params.w", "params.layers.0"]);
  });

  it("builds loops with carried and indexed values", () => {
    const b = new ProgramBuilder({ name: "p", mesh: [], layoutSpec: "" });
    const x = b.param("x", [batch, dModel]);
    const w0 = b.param("w0", [dModel, dModel]);
    const w1 = b.param("w1", [dModel, dModel]);
    const [out] = b.loop(2, [x], [[w0, w1]], ({ carried, indexed }) => {
      const y = b.add({ op: "einsum" }, [carried[0], indexed[0]], { out: ["batch", "d_model"] });
      return [b.add({ op: "unary", fn: "tanh" }, [y])];
    });
    b.setResult(out);
    const program = b.finish();
    const loop = program.body[3];
    expect(loop.op).toBe("loop");
    expect(program.values.get(out)?.dims).toEqual([batch, dModel]);
  });

  it("rejects an unclosed loop and a missing result", () => {
    const b = new ProgramBuilder({ name: "p", mesh: [], layoutSpec: "" });
    const x = b.param("x", [batch]);
    b.openLoop(2, [x]);
    b.setResult(x);
    expect(() => b.finish()).toThrow(/still open/);
    const empty = new ProgramBuilder({ name: "q", mesh: [], layoutSpec: "" });
    expect(() => empty.finish()).toThrow(/no result/);
  });
});
