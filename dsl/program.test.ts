import { describe, expect, it } from "vitest";
import { dims } from "./dims.ts";
import { layout } from "./layout.ts";
import { mesh } from "./mesh.ts";
import { program } from "./program.ts";
import { Tensor } from "./tensor.ts";
import { messageOf } from "./testSupport.ts";

const D = dims({ batch: 8, d_model: 4, d_ff: 8, heads: 2, other: 3 });
const M = mesh({ data: 2, model: 2 });
const L = layout(M, D, "batch:data, d_ff:model, heads:model");

function tensorOf<S extends string>(spec: S, sizes: Record<string, number>, label?: string): Tensor<S> {
  const shape = spec.split(" ").map((name) => ({ name, size: sizes[name] }));
  const length = shape.reduce((product, dim) => product * dim.size, 1);
  return new Tensor<S>(shape, new Float32Array(length), label);
}

const x = tensorOf("batch d_model", D.sizes, "x");
const w = tensorOf("d_model d_ff", D.sizes, "w");


describe("program()", () => {
  it("runs the model eagerly and keeps model, mesh and layout readable", () => {
    const calls: unknown[][] = [];
    function model(input: Tensor<"batch d_model">, params: { w: Tensor<"d_model d_ff"> }, scale: number) {
      calls.push([input, params, scale]);
      return scale * 2;
    }
    const bound = program(model, { mesh: M, layout: L });
    expect(bound(x, { w }, 3)).toBe(6);
    expect(calls).toEqual([[x, { w }, 3]]);
    expect(bound.model).toBe(model);
    expect(bound.mesh).toBe(M);
    expect(bound.layout).toBe(L);
  });

  it("names the argument (position, parameter name and path) of a tensor with two dims on one axis", () => {
    const bad = tensorOf("d_ff heads", D.sizes, "proj");
    function model(input: Tensor<"batch d_model">, params: { layers: { proj: Tensor<string> }[] }) {
      return [input, params];
    }
    const bound = program(model, { mesh: M, layout: L });
    expect(messageOf(() => bound(x, { layers: [{ proj: w }, { proj: bad }] }))).toBe(
      'program(model): argument 2 "params".layers[1].proj (tensor "proj" [d_ff=8, heads=2]) puts two of its dims, "d_ff" and "heads", on mesh axis "model" under layout "batch:data, d_ff:model, heads:model". A tensor can split only one dim over an axis: move one of them to another axis or leave it replicated.',
    );
  });

  it("rejects a tensor argument whose split size the axis does not divide", () => {
    const arrow = (input: Tensor<string>) => input;
    const bound = program(arrow, { mesh: M, layout: L });
    const odd = tensorOf("batch d_model", { batch: 3, d_model: 4 }, "odd");
    expect(messageOf(() => bound(odd))).toBe(
      'program(arrow): argument 1 "input" (tensor "odd" [batch=3, d_model=4]): dim "batch" has size 3, which mesh axis "data" (size 2) does not divide. Either change the layout "batch:data, d_ff:model, heads:model" to leave "batch" replicated or put it on other axes, make batch a multiple of 2, or split it unevenly with "batch:padded(data)" (every shard is padded to the size of the largest).',
    );
  });

  it("rejects a tensor argument with a dim the layout's dims do not declare", () => {
    const bound = program((input: Tensor<string>) => input, { mesh: M, layout: L });
    const stray = tensorOf("batch hidden", { batch: 8, hidden: 4 });
    expect(messageOf(() => bound(stray))).toBe(
      'program(): argument 1 "input" (tensor [batch=8, hidden=4]) has dim "hidden", which the layout\'s dims({...}) do not declare. Fix the spelling of the tensor\'s dims, or declare hidden with its size in dims({...}).',
    );
  });

  it("accepts replicated and non-tensor arguments, and does not walk typed arrays or class instances", () => {
    const bound = program((input: Tensor<string>, extra: { data: Float32Array; when: Date; n: number }) => extra.n, {
      mesh: M,
      layout: L,
    });
    const replicated = tensorOf("other", D.sizes);
    expect(bound(replicated, { data: new Float32Array(3), when: new Date(0), n: 7 })).toBe(7);
  });

  it("survives cycles in argument objects", () => {
    const bound = program((params: { self?: unknown; w: Tensor<"d_model d_ff"> }) => 1, { mesh: M, layout: L });
    const params: { self?: unknown; w: Tensor<"d_model d_ff"> } = { w };
    params.self = params;
    expect(bound(params)).toBe(1);
  });

  it("rejects a mesh that is not the layout's mesh, printing both", () => {
    const other = mesh({ data: 4 });
    expect(messageOf(() => program((input: Tensor<string>) => input, { mesh: other as never, layout: L }))).toBe(
      "program(): mesh({ data: 4 }) is not the layout's mesh, mesh({ data: 2, model: 2 }). Pass the layout's own mesh ({ mesh: L.mesh, layout: L }), or make the layout over this mesh.",
    );
    const same = mesh({ data: 2, model: 2 });
    expect(program((input: Tensor<string>) => input, { mesh: same, layout: L }).mesh).toBe(M);
  });
});
