import { describe, expect, it } from "vitest";
import { ProgramBuilder } from "../ir/builder.ts";
import { compileProgram } from "../passes/pipeline.ts";
import { planBlock, ProgramFacts, type KernelItem } from "./kernels.ts";

/** A layer norm as stdlib/layerNorm.ts writes it, then an embedding lookup of ids. */
function program() {
  const b = new ProgramBuilder({ name: "norm", mesh: [{ name: "data", size: 1 }], layoutSpec: "" });
  const dim = (name: string, size: number) => ({ name, size });
  const x = b.param("x", [dim("t", 64), dim("d", 32)]);
  const scale = b.param("scale", [dim("d", 32)]);
  const ids = b.param("ids", [dim("t", 64)]);
  const table = b.param("table", [dim("vocab", 100), dim("d", 32)]);
  const mean = b.add({ op: "reduce", fn: "mean", dims: ["d"] }, [x]);
  const centered = b.add({ op: "binary", fn: "sub" }, [x, mean]);
  const variance = b.add({ op: "reduce", fn: "mean", dims: ["d"] }, [b.add({ op: "unary", fn: "square" }, [centered])]);
  const inv = b.add({ op: "unary", fn: "rsqrt" }, [b.add({ op: "binary", fn: "add", scalar: { value: 1e-5, position: 1 } }, [variance])]);
  const normed = b.add({ op: "binary", fn: "mul" }, [b.add({ op: "binary", fn: "mul" }, [centered, inv]), scale]);
  const hot = b.add({ op: "oneHot", dim: dim("vocab", 100) }, [ids]);
  const looked = b.add({ op: "einsum" }, [hot, table], { out: ["t", "d"] });
  b.setResult(b.add({ op: "binary", fn: "add" }, [normed, looked]));
  return compileProgram(b.finish());
}

describe("planBlock", () => {
  it("eager: one kernel per op, as the torch back end emits", () => {
    const lowered = program();
    const plan = planBlock(new ProgramFacts(lowered), lowered.body, "eager", 4);
    expect(plan.items.filter((item) => item.kind === "kernel")).toHaveLength(11);
  });

  it("fused: the layer norm and the add are one kernel reading x once; the one-hot einsum is a lookup; no one-hot is made", () => {
    const lowered = program();
    const plan = planBlock(new ProgramFacts(lowered), lowered.body, "fused", 4);
    const kernels = plan.items.filter((item): item is KernelItem => item.kind === "kernel");
    expect(kernels.map((kernel) => [kernel.ops.length, kernel.flavor])).toEqual([[1, "lookup"], [9, undefined]]);
    const [lookup, norm] = kernels;
    // x, scale and the looked-up rows in, the sum out: 64 x 32 x 3 + 32 elements of 4 bytes.
    expect(norm.work).toMatchObject({ kind: "memory", bytes: 4 * (3 * 64 * 32 + 32) });
    expect(lookup.work).toMatchObject({ kind: "memory", bytes: 4 * (2 * 64 * 32 + 64) });
  });
});

describe("planBlock, fused: a value read after the kernel", () => {
  it("lets a bias add join the GELU after it and write its sum for the later reader (Megatron's bias-GELU)", () => {
    const b = new ProgramBuilder({ name: "biasGelu", mesh: [{ name: "data", size: 1 }], layoutSpec: "" });
    const dim = (name: string, size: number) => ({ name, size });
    const x = b.param("x", [dim("t", 64), dim("f", 128)]);
    const bias = b.param("bias", [dim("f", 128)]);
    const w = b.param("w", [dim("f", 128), dim("d", 32)]);
    const pre = b.add({ op: "binary", fn: "add" }, [x, bias]);
    const act = b.add({ op: "unary", fn: "gelu" }, [pre]);
    const out = b.add({ op: "einsum" }, [act, w], { out: ["t", "d"] });
    const later = b.add({ op: "einsum" }, [pre, w], { out: ["t", "d"] }); // reads the pre-activation after the kernel
    b.setResult({ kind: "object", fields: { out: { kind: "tensor", value: out }, later: { kind: "tensor", value: later } } });
    const lowered = compileProgram(b.finish());
    const kernels = planBlock(new ProgramFacts(lowered), lowered.body, "fused", 4).items.filter((item): item is KernelItem => item.kind === "kernel");
    const fused = kernels.find((kernel) => kernel.ops.length === 2);
    expect(fused?.ops.map((op) => op.op)).toEqual(["binary", "unary"]);
    expect(fused?.writes).toEqual([pre, act]);
  });
});

describe("planBlock, fused: dropout as Megatron-LM runs it", () => {
  it("fuses a bias add into the dropout but keeps dropout apart from a softmax and from a norm's reduction; the mask's bytes count", () => {
    const b = new ProgramBuilder({ name: "dropouts", mesh: [{ name: "data", size: 1 }], layoutSpec: "" });
    const dim = (name: string, size: number) => ({ name, size });
    const scores = b.param("scores", [dim("t", 64), dim("s", 64)]);
    const v = b.param("v", [dim("s", 64), dim("d", 32)]);
    const bias = b.param("bias", [dim("d", 32)]);
    const residual = b.param("residual", [dim("t", 64), dim("d", 32)]);
    const probs = b.add({ op: "dropout", rate: 0.1, seed: 0, name: "probs" }, [b.add({ op: "softmax", dim: "s", log: false }, [scores])]);
    const context = b.add({ op: "einsum" }, [probs, v], { out: ["t", "d"] });
    const hidden = b.add({ op: "binary", fn: "add" }, [b.add({ op: "dropout", rate: 0.1, seed: 0, name: "hidden" }, [b.add({ op: "binary", fn: "add" }, [context, bias])]), residual]);
    b.setResult(b.add({ op: "reduce", fn: "mean", dims: ["d"] }, [hidden]));
    const lowered = compileProgram(b.finish());
    const kernels = planBlock(new ProgramFacts(lowered), lowered.body, "fused", 2).items.filter((item): item is KernelItem => item.kind === "kernel");
    expect(kernels.map((kernel) => kernel.ops.map((op) => op.op))).toEqual([["softmax"], ["dropout"], ["einsum"], ["binary", "dropout"], ["binary", "reduce"]]);
    // the attention dropout: probs in and out (2 bytes each) and a 1-byte mask
    expect(kernels[1].work).toMatchObject({ kind: "memory", bytes: 2 * 2 * 64 * 64 + 64 * 64 });
    // bias and dropout: context and bias in, the dropped sum and the mask out (the residual add joins the norm
    // that reads it, which moves the same bytes as Megatron-LM's bias_dropout_add then layer norm: the sum is
    // written once either way for the residual stream)
    expect(kernels[3].work).toMatchObject({ kind: "memory", bytes: 2 * (2 * 64 * 32 + 32) + 64 * 32 });
  });
});
