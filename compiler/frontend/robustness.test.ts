import { describe, expect, it } from "vitest";
import { FixtureProject, fixturesDir, where } from "./__fixtures__/harness.ts";
import { readPrograms } from "./frontend.ts";

// Sources that once crashed the front end (a stack trace instead of a
// diagnostic) or ran it out of memory; each must now give one diagnostic at
// the place marked /*@*/.
const header = `import { add, program, relu, sum, Tensor } from "./dsl.ts";
import { valueAndGrad } from "../../../dsl/autodiff/grad.ts";
import { L, M } from "./config.ts";
interface Layer { readonly w: Tensor<"d_model">; readonly b: Tensor<"d_model"> }
function block(x: Tensor<"batch d_model">, layer: Layer): Tensor<"batch d_model"> {
  return relu(add(add(x, layer.w), layer.b));
}
`;
const bind = "\nexport const p = program(f, { mesh: M, layout: L });\n";

const project = new FixtureProject();

function diagnosticsOf(name: string, source: string, limits?: { values: number; loopWork: number }) {
  const fixture = project.addText(name, header + source + bind);
  const result = readPrograms([fixture.file], { rootDir: fixturesDir, typeCheck: false, limits });
  return { result, fixture, file: fixture.file.getBaseName() };
}

describe("front end: sources that used to crash", () => {
  it("a layer loop starting below 0 over an array parameter: MT1032 at the read (was openLoop: an indexed list has 1 items for 3 iterations)", () => {
    const { result, fixture, file } = diagnosticsOf("negativeArray", `export function f(x: Tensor<"batch d_model">, params: { layers: readonly Layer[] }) {
  for (let i = -1; i < 2; i++) x = block(x, /*@*/params.layers[i]);
  return x;
}`);
    expect(result.diagnostics.map(where)).toEqual([`${file}:${fixture.expected?.line}:${fixture.expected?.column} MT1032`]);
    expect(result.diagnostics[0].message).toContain("the loop starts at i = -1");
  });

  it("a layer loop starting below 0 over a tuple parameter: MT1032 at the read (was TypeError: Cannot read properties of undefined)", () => {
    const { result, fixture, file } = diagnosticsOf("negativeTuple", `export function f(x: Tensor<"batch d_model">, params: { layers: [Layer, Layer] }) {
  for (let i = -1; i < 2; i++) x = block(x, /*@*/params.layers[i]);
  return x;
}`);
    expect(result.diagnostics.map(where)).toEqual([`${file}:${fixture.expected?.line}:${fixture.expected?.column} MT1032`]);
  });

  it("a loop of 1,000,000 layers over an array parameter: MT1701 at the loop, before 2,000,000 parameter tensors are made", () => {
    const { result, fixture, file } = diagnosticsOf("millionLayers", `export function f(x: Tensor<"batch d_model">, params: { layers: readonly Layer[] }) {
  /*@*/for (let i = 0; i < 1000000; i++) x = block(x, params.layers[i]);
  return x;
}`);
    expect(result.diagnostics.map(where)).toEqual([`${file}:${fixture.expected?.line}:${fixture.expected?.column} MT1701`]);
    expect(result.diagnostics[0].message).toBe(
      "Program `p` grows past 200,000 IR values, the most the compiler builds for one program, for parameter `params.layers`: " +
        "the model reads 1,000,000 of its items (2 tensors each).",
    );
  });

  it("an array parameter read at index 999,999,999: MT1701 at the read", () => {
    const { result, fixture, file } = diagnosticsOf("hugeIndex", `export function f(x: Tensor<"batch d_model">, ws: readonly Tensor<"d_model">[]) {
  return add(x, /*@*/ws[999999999]);
}`);
    expect(result.diagnostics.map(where)).toEqual([`${file}:${fixture.expected?.line}:${fixture.expected?.column} MT1701`]);
  });

  it("a loop inside valueAndGrad whose backward saves a value per iteration past the value bound: MT1701 at the call", () => {
    // The loop stays one loop; its reverse loop reads what the forward saves per iteration (one item each).
    const { result, fixture, file } = diagnosticsOf("savedHuge", `function loss(w: Tensor<"d_model">, x: Tensor<"batch d_model">): Tensor<""> {
  for (let i = 0; i < 1000000; i++) x = relu(add(x, w));
  return sum(x, "batch d_model");
}
export function f(x: Tensor<"batch d_model">, w: Tensor<"d_model">) {
  return /*@*/valueAndGrad(loss)(w, x).grad;
}`, { values: 2000, loopWork: 10_000_000 });
    expect(result.diagnostics.map(where)).toEqual([`${file}:${fixture.expected?.line}:${fixture.expected?.column} MT1701`]);
    expect(result.diagnostics[0].message).toMatch(/grows past 2,000 IR values.*the call valueAndGrad\(loss\)/);
  });

  it("a kept loop whose trip count times its body passes the work bound: MT1702 at the loop with the figures", () => {
    const { result, fixture, file } = diagnosticsOf("longLoop", `export function f(x: Tensor<"batch d_model">, w: Tensor<"d_model">) {
  /*@*/for (let i = 0; i < 10000000; i++) x = relu(add(x, w));
  return x;
}`);
    expect(result.diagnostics.map(where)).toEqual([`${file}:${fixture.expected?.line}:${fixture.expected?.column} MT1702`]);
    expect(result.diagnostics[0].message).toBe(
      "The loop over `i` runs 10,000,000 times a body of 2 ops: 20,000,000 op executions per call of the program, more than the 10,000,000 the compiler accepts.",
    );
  });

  it("the same kept loop at a layer count compiles: 100,000 iterations stay one loop", () => {
    const { result } = diagnosticsOf("layerLoop", `export function f(x: Tensor<"batch d_model">, w: Tensor<"d_model">) {
  for (let i = 0; i < 100000; i++) x = relu(add(x, w));
  return x;
}`);
    expect(result.diagnostics).toEqual([]);
    expect(result.programs[0].values.size).toBeLessThan(20);
  });
});
