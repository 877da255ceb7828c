/**
 * Front-end pieces that training steps rely on: exponent literals, `treeMap`
 * over param trees (with array lengths learned from a sibling tree), and the
 * `weightUpdateSharding` option of `program(...)`.
 */
import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../diagnostics/diagnostic.ts";
import type { Op } from "../ir/ir.ts";
import { FixtureProject, where } from "./__fixtures__/harness.ts";

const project = new FixtureProject();
const header = `import { add, dims, layout, mesh, mul, program, sub, treeMap, type Tensor } from "./dsl.ts";
const D = dims({ batch: 8, d: 4 });
const M = mesh({ data: 2 });
const L = layout(M, D, "batch:data");
interface P { readonly w: Tensor<"d">; readonly layers: readonly { readonly b: Tensor<"d"> }[] }
`;

function topOps(body: readonly (Op | { op: "loop" })[]): Op[] {
  return body.flatMap((op) => (op.op === "loop" ? [] : [op as Op]));
}

describe("numeric literals", () => {
  it("reads 1e-8 as 1e-8 (ts-morph's getLiteralValue gives 1)", () => {
    const fixture = project.addText("literal", `${header}
export function f(x: Tensor<"d">) { return add(x, 1e-8); }
export const f2 = program(f, { mesh: M, layout: L });
`);
    const result = project.read(fixture);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([]);
    const ops = topOps(result.programs[0].body);
    expect(ops.find((op) => op.op === "binary")).toMatchObject({ scalar: { value: 1e-8, position: 1 } });
  });
});

describe("treeMap", () => {
  it("inlines the function once per leaf, maps an array of same-shaped items with one loop, and learns state.layers' length from params.layers", () => {
    const fixture = project.addText("treemap", `${header}
export function step(params: P, state: P) {
  let used = params.w;
  for (let i = 0; i < 2; i++) used = add(used, params.layers[i].b);
  return { used, next: treeMap((p, m) => sub(p, mul(m, 0.5)), params, state) };
}
export const step2 = program(step, { mesh: M, layout: L });
`);
    const result = project.read(fixture);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([]);
    const [program] = result.programs;
    expect(program.params.map((param) => param.name)).toEqual(["params", "state"]);
    const subs = topOps(program.body).filter((op) => op.op === "binary" && op.fn === "sub");
    expect(subs).toHaveLength(1); // w; layers.0.b and layers.1.b in one loop
    const loops = program.body.filter((statement) => statement.op === "loop");
    const map = loops[loops.length - 1];
    if (map?.op !== "loop") throw new Error("no loop");
    expect(map.count).toBe(2);
    expect(map.body.filter((op) => op.op === "binary" && op.fn === "sub")).toHaveLength(1);
    expect(map.yields?.map((entry) => entry.items.length)).toEqual([2]);
    const next = program.result.kind === "object" ? program.result.fields.next : undefined;
    const layers = next?.kind === "object" ? next.fields.layers : undefined;
    expect(layers?.kind === "array" ? layers.items.map((item) => (item.kind === "object" ? item.fields.b : item)) : []).toEqual(
      map.yields?.[0].items.map((value) => ({ kind: "tensor", value })),
    );
  });

  it("names the path where the trees differ (MT1033)", () => {
    const fixture = project.addText("treemap_bad", `${header}
export function step(params: P, other: { readonly w: Tensor<"d"> }) {
  return /*@*/treeMap((p: Tensor<"d">, m: Tensor<"d">) => sub(p, m), params as unknown as { readonly w: Tensor<"d"> }, other);
}
export const step2 = program(step, { mesh: M, layout: L });
`);
    const result = project.read(fixture);
    expect(result.diagnostics.map(where)).toEqual([expect.stringMatching(new RegExp(`:${fixture.expected?.line}:${fixture.expected?.column} MT1033$`))]);
    expect(result.diagnostics[0].message).toMatch(/trees differ at the root: tree 1 has fields \{w, layers\}/);
  });
});

describe("weightUpdateSharding", () => {
  it("is read from the options' object literal into the program", () => {
    const fixture = project.addText("wus", `${header}
export function f(x: Tensor<"d">) { return mul(x, 2); }
export const plain = program(f, { mesh: M, layout: L });
export const sharded = program(f, { mesh: M, layout: L, weightUpdateSharding: "data" });
`);
    const result = project.read(fixture, true);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(result.programs.map((program) => [program.name, program.weightUpdateSharding])).toEqual([["plain", undefined], ["sharded", "data"]]);
  });

  it("names the mesh's axes when the axis is not one of them (MT1003)", () => {
    const fixture = project.addText("wus_bad", `${header}
export function f(x: Tensor<"d">) { return mul(x, 2); }
export const sharded = program(f, { mesh: M, layout: L, /*@*/weightUpdateSharding: "model" });
`);
    const result = project.read(fixture);
    expect(result.diagnostics.map(where)).toEqual([expect.stringMatching(new RegExp(`:${fixture.expected?.line}:${fixture.expected?.column} MT1003$`))]);
    expect(result.diagnostics[0].message).toMatch(/weightUpdateSharding axis \(a literal name of one of the mesh's axes: data\)/);
  });
});
