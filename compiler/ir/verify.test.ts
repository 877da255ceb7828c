import { describe, expect, it } from "vitest";
import type { MeshAxis } from "../../dsl/mesh.ts";
import { compileProgram } from "../passes/pipeline.ts";
import { mlp } from "../testing/programs.ts";
import type { Op, Program, Value } from "./ir.ts";
import { verify } from "./verify.ts";

const mesh: readonly MeshAxis[] = [{ name: "data", size: 2 }, { name: "model", size: 2 }];
const global = mlp.build(mesh, "batch:data, d_ff:model");
const lowered = compileProgram(global);

function withBody(program: Program, edit: (body: Op[]) => Op[]): Program {
  return { ...program, body: edit(program.body as Op[]) };
}

function withValue(program: Program, id: number, edit: (value: Value) => Value): Program {
  const values = new Map(program.values);
  values.set(id, edit(values.get(id) as Value));
  return { ...program, values };
}

describe("verify", () => {
  it("accepts the programs the builder and the passes make", () => {
    expect(verify(global)).toBe(global);
    expect(verify(lowered, "lower")).toBe(lowered);
  });

  it("rejects an input used before it is defined", () => {
    const swapped = withBody(global, (body) => [body[0], body[1], body[2], body[4], body[3], body[5]]);
    expect(() => verify(swapped, "test")).toThrow(/IR verifier \(after test\) in program "mlp": .*uses %3 before it is defined/);
  });

  it("rejects dims that disagree with the shape rules", () => {
    const wrong = withValue(global, 3, (value) => ({ ...value, dims: value.dims.map((dim) => (dim.name === "d_ff" ? { ...dim, size: 16 } : dim)) }));
    expect(() => verify(wrong)).toThrow(/output dims should be \[batch=4 seq=2 d_ff=8\]/);
  });

  it("rejects a lowered value without a sharding, or with local dims that do not match it", () => {
    expect(() => verify(withValue(lowered, 3, ({ sharding: _sharding, ...rest }) => rest))).toThrow(/%3 \(h\) .* has no sharding/);
    expect(() => verify(withValue(lowered, 3, (value) => ({ ...value, localDims: value.dims })))).toThrow(/expected \[batch=2 seq=2 d_ff=4\]/);
  });

  it("rejects a collective whose input is not in the state it converts from", () => {
    const broken = withBody(lowered, (body) => body.map((op) => (op.op === "allReduce" ? { ...op, axis: "data" } : op)));
    expect(() => verify(broken)).toThrow(/allReduce .* on "data" it needs/);
  });

  it("rejects a partial result", () => {
    const result = lowered.body.find((op) => op.op === "einsum" && lowered.values.get(op.output)?.hint === "y") as Op;
    expect(() => verify({ ...lowered, result: { kind: "tensor", value: result.output } })).toThrow(/result %5 is partial/);
  });

  it("rejects a dim's axes ranked other than 0 (left out), 1, ...; an all-gather of a stack's major axis; a mask on a dim with no padding", () => {
    const fsdp = compileProgram(mlp.build(mesh, "batch:(data, model)"));
    expect(verify(fsdp, "lower")).toBe(fsdp);
    const x = fsdp.body.find((op) => op.op === "param" && op.path === "x") as Op;
    const misranked = withValue(fsdp, x.output, (value) => ({ ...value, sharding: { data: { kind: "split", dim: "batch", order: 0 }, model: { kind: "split", dim: "batch", order: 1 } } }));
    expect(() => verify(misranked)).toThrow(/ranks the axes that split "batch" as \[0,1\]/);
    const twice = withValue(fsdp, x.output, (value) => ({ ...value, sharding: { data: { kind: "split", dim: "batch" }, model: { kind: "split", dim: "batch" } } }));
    expect(() => verify(twice)).toThrow(/ranks the axes that split "batch" as \[null,null\]/);
    const gatherMajor = withBody(fsdp, (body) => [...body, { op: "allGather", axis: "data", dim: "batch", inputs: [x.output], output: 999, loc: x.loc } as Op]);
    const values = new Map(gatherMajor.values);
    values.set(999, { id: 999, dims: fsdp.values.get(x.output)?.dims ?? [], sharding: { data: { kind: "replicated" }, model: { kind: "split", dim: "batch" } }, localDims: [{ name: "batch", size: 2 }, { name: "seq", size: 2 }, { name: "d_model", size: 4 }] });
    expect(() => verify({ ...gatherMajor, values })).toThrow(/allGather .* on "data" it needs \{data: split\(batch@1\)\} -> \{data: replicated\}/);
    // batch 4 over 2 x 2 is even: nothing to mask
    const masked = withBody(fsdp, (body) => [...body, { op: "maskPadding", dims: ["batch"], fill: 0, inputs: [x.output], output: 998, loc: x.loc } as Op]);
    const maskValues = new Map(masked.values);
    maskValues.set(998, { ...(fsdp.values.get(x.output) as Value), id: 998 });
    expect(() => verify({ ...masked, values: maskValues })).toThrow(/"batch" is not split unevenly, it has no padding to mask/);
  });
});
