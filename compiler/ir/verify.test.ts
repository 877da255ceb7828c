import { describe, expect, it } from "vitest";
import type { MeshAxis } from "../../dsl/mesh.ts";
import { compileProgram } from "../passes/pipeline.ts";
import { mlp, reductions } from "../testing/programs.ts";
import { ProgramBuilder } from "./builder.ts";
import type { Loop, Op, Program, Value } from "./ir.ts";
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

  it("checks an all-reduce over several axes on each of them: partial before, replicated after, distinct mesh axes", () => {
    // the max over batch and d_model, split over data and model: one all-reduce over both
    const lowered = compileProgram(reductions.build(mesh, "seq:data, d_model:model"));
    const grouped = lowered.body.find((op) => op.op === "allReduce" && op.alsoOver !== undefined) as Extract<Op, { op: "allReduce" }>;
    expect([grouped.axis, grouped.alsoOver]).toEqual(["data", ["model"]]);
    expect(verify(lowered, "lower")).toBe(lowered);
    const replace = (changed: Op) => withBody(lowered, (body) => body.map((op) => (op === grouped ? changed : op)));
    // over data alone it leaves model changed, which is not its axis
    expect(() => verify(replace({ ...grouped, alsoOver: undefined } as Op))).toThrow(/changes the state on "model", which is not its axis/);
    expect(() => verify(replace({ ...grouped, alsoOver: ["data"] } as Op))).toThrow(/axes data, data must be distinct mesh axes/);
    expect(() => verify(replace({ ...grouped, alsoOver: ["pipe"] } as Op))).toThrow(/axes data, pipe must be distinct mesh axes/);
    const input = lowered.values.get(grouped.inputs[0]) as Value;
    const values = new Map(lowered.values);
    values.set(input.id, { ...input, sharding: { ...input.sharding, model: { kind: "replicated" } } });
    expect(() => verify({ ...lowered, values })).toThrow(/on "model" it needs \{model: partial\(max\)\} -> \{model: replicated\}/);
  });

  it("rejects a dropout that changes the sharding, or draws its mask over a partial x", () => {
    const x = lowered.body.find((op) => op.op === "param" && op.path === "x") as Op;
    const partial = lowered.body.find((op) => op.op === "einsum" && lowered.values.get(op.output)?.hint === "y") as Op;
    const dropped = (input: Op, sharding: Value["sharding"]): Program => {
      const program = withBody(lowered, (body) => [...body, { op: "dropout", rate: 0.1, seed: 0, name: "h", inputs: [input.output], output: 997, loc: input.loc } as Op]);
      const values = new Map(program.values);
      const value = program.values.get(input.output) as Value;
      values.set(997, { ...value, id: 997, sharding, localDims: sharding?.data?.kind === "replicated" ? value.dims : value.localDims });
      return { ...program, values };
    };
    expect(verify(dropped(x, lowered.values.get(x.output)?.sharding), "lower").body.length).toBe(lowered.body.length + 1);
    expect(() => verify(dropped(x, { data: { kind: "replicated" }, model: { kind: "replicated" } }))).toThrow(/dropout .* a dropout changes no sharding/);
    expect(() => verify(dropped(partial, lowered.values.get(partial.output)?.sharding))).toThrow(/x is partial; it must be reduced before its mask is drawn/);
  });

  describe("scopes and definitions (one mark per value id)", () => {
    const dims = [{ name: "d", size: 4 }];
    /** `x`, a loop of 3 iterations carrying `x` through `tanh` and yielding it, and the loop's output as the result. */
    const looped = (): { program: Program; body: ValueIdOf } => {
      const builder = new ProgramBuilder({ name: "looped", mesh: [{ name: "data", size: 2 }], layoutSpec: "" });
      const x = builder.param("x", dims);
      const open = builder.openLoop(3, [x]);
      const y = builder.add({ op: "unary", fn: "tanh" }, [open.carried[0]]);
      const closed = builder.closeLoopWithYields([y], [y]);
      builder.setResult(builder.add({ op: "binary", fn: "add" }, [closed.carried[0], closed.yields[0][2]]));
      return { program: builder.finish(), body: { y, items: closed.yields[0] } };
    };
    type ValueIdOf = { y: number; items: number[] };

    it("accepts a loop's output and yielded items after it", () => {
      const { program } = looped();
      expect(verify(program)).toBe(program);
    });

    it("rejects a body value read after its loop (it leaves the scope when the loop ends)", () => {
      const { program, body } = looped();
      const last = program.body[program.body.length - 1] as Op;
      const outside = { ...program, body: [...program.body.slice(0, -1), { ...last, inputs: [last.inputs[0], body.y] }] };
      expect(() => verify(outside)).toThrow(new RegExp(`uses %${body.y} before it is defined or outside its scope`));
    });

    it("rejects a value defined twice, by an op and by a loop's yield", () => {
      const { program, body } = looped();
      const loop = program.body.find((statement): statement is Loop => statement.op === "loop") as Loop;
      const twice = { ...loop, yields: [{ result: body.y, items: [body.items[0], body.items[1], loop.carried[0].output] }] };
      expect(() => verify({ ...program, body: program.body.map((statement) => (statement === loop ? twice : statement)) })).toThrow(/is defined twice/);
    });

    it("rejects a value in program.values that nothing defines, and an id that is not a whole number from 0", () => {
      const { program } = looped();
      const values = new Map(program.values);
      values.set(100, { id: 100, dims });
      expect(() => verify({ ...program, values })).toThrow(/%100 is in program.values but no op defines it/);
      const negative = new Map(program.values);
      negative.set(-1, { id: -1, dims });
      const param = program.body[0] as Op;
      const body = [{ ...param, output: -1 }, ...program.body];
      expect(() => verify({ ...program, values: negative, body })).toThrow(/%-1 .* is not a value id/);
    });
  });
});
