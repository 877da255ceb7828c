import { describe, expect, it } from "vitest";
import { SyntaxKind } from "ts-morph";
import { FixtureProject } from "./__fixtures__/harness.ts";
import { findPrograms } from "./findPrograms.ts";
import { Locator } from "./location.ts";
import { fixturesDir } from "./__fixtures__/harness.ts";

const header = `import { dims, layout, mesh, program, type Tensor } from "./dsl.ts";
const D = dims({ batch: 8, d_model: 16 });
const M = mesh({ data: 2, model: 2 });
const L = layout(M, D, "batch:data, d_model:model");
export function model(params: { readonly w: Tensor<"d_model d_model">; readonly layers: readonly { readonly b: Tensor<"d_model"> }[] }, x: Tensor<"batch d_model">) {
  return x;
}
`;

/** The same options written five ways: each must read the same binding. */
const spellings: Record<string, string> = {
  properties: `export const p = program(model, { mesh: M, layout: L, weightUpdateSharding: "data", dtype: "bf16" });`,
  shorthand: `const mesh2 = M; const layout2 = L; const weightUpdateSharding = "data"; const dtype = "bf16";
export const p = program(model, { mesh: mesh2, layout: layout2, weightUpdateSharding, dtype });`,
  shorthandNames: `const weightUpdateSharding = "data" as const; const dtype = "bf16" as const;
export const p = program(model, { mesh: M, layout: L, weightUpdateSharding, dtype });`,
  variable: `const options = { mesh: M, layout: L, weightUpdateSharding: "data", dtype: "bf16" } as const;
export const p = program(model, options);`,
  spread: `const base = { mesh: M, weightUpdateSharding: "data", dtype: "bf16" } as const;
export const p = program(model, { ...base, layout: L });`,
};

describe("reading a program's options from its object literal's properties", () => {
  const fixtures = new FixtureProject();
  const files = Object.entries(spellings).map(([name, text]) => [name, fixtures.addText(`options_${name}`, `${header}${text}\n`).file] as const);
  const locator = new Locator(fixturesDir);

  it.each(files)("reads the mesh, layout, weight-update axis and dtype written as %s", (_name, file) => {
    const { bindings, diagnostics } = findPrograms(file, locator);
    expect(diagnostics).toEqual([]);
    expect(bindings.map((binding) => ({ mesh: binding.mesh, spec: binding.layoutSpec, sizes: binding.sizes, axis: binding.weightUpdateSharding, dtype: binding.dtype }))).toEqual([
      { mesh: [{ name: "data", size: 2 }, { name: "model", size: 2 }], spec: "batch:data, d_model:model", sizes: { batch: 8, d_model: 16 }, axis: "data", dtype: "bf16" },
    ]);
  });

  it("leaves the program(...) call unresolved (its type-level validation of the model is the type check's work)", () => {
    const file = fixtures.addText("options_unresolved", `${header}${spellings.properties}\n`).file;
    expect(findPrograms(file, locator).bindings).toHaveLength(1);
    const program = fixtures.project.getProgram().compilerObject;
    const call = file.getDescendantsOfKind(SyntaxKind.CallExpression).find((item) => item.getExpression().getText() === "program");
    if (call === undefined) throw new Error("the fixture has no program(...) call");
    const before = program.getInstantiationCount();
    program.getTypeChecker().getResolvedSignature(call.compilerNode);
    // had reading the options resolved the call, resolving it again would instantiate nothing new
    expect(program.getInstantiationCount()).toBeGreaterThan(before);
  });
});
