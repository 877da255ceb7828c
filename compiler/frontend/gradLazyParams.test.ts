/**
 * `valueAndGrad` when the params hold an array whose length the types do not
 * give (`layers: readonly Layer[]`): the length is learned while the loss is
 * read, before the tree is checked; a loss that never indexes the array gets
 * MT1012 (length unknown) at the call, not MT4002 ("it is an object").
 */
import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../diagnostics/diagnostic.ts";
import { FixtureProject, where } from "./__fixtures__/harness.ts";

const project = new FixtureProject();
const header = `import { add, dims, einsum, layout, mesh, program, relu, sum, type Tensor } from "./dsl.ts";
import { valueAndGrad } from "../../../dsl/autodiff/grad.ts";
const D = dims({ batch: 8, d: 4 });
const M = mesh({ data: 2 });
const L = layout(M, D, "batch:data");
interface P { readonly w: Tensor<"d">; readonly layers: readonly { readonly b: Tensor<"d"> }[] }
`;

describe("valueAndGrad over params with an array of unknown length", () => {
  it("learns the length from the loss's loop and differentiates every item", () => {
    const fixture = project.addText("lazy_grad", `${header}
function loss(params: P, x: Tensor<"batch d">): Tensor<""> {
  let h = add(x, params.w);
  for (let i = 0; i < 3; i++) h = relu(add(h, params.layers[i].b));
  return sum(h, "batch d");
}
export function step(params: P, x: Tensor<"batch d">) {
  const { value, grad } = valueAndGrad(loss)(params, x);
  return { value, grad };
}
export const step2 = program(step, { mesh: M, layout: L });
`);
    const result = project.read(fixture);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([]);
    const [program] = result.programs;
    const grad = program.result.kind === "object" ? program.result.fields.grad : undefined;
    expect(grad?.kind === "object" && grad.fields.layers.kind === "array" ? grad.fields.layers.items.length : 0).toBe(3);
    expect(program.gradients).toHaveLength(4); // w and layers.0-2.b
  });

  it("gives MT1012 at the call when the loss never indexes the array", () => {
    const fixture = project.addText("lazy_grad_unused", `${header}
function loss(params: P, x: Tensor<"batch d">): Tensor<""> {
  return sum(einsum(x, params.w, "batch d"), "batch d");
}
export function step(params: P, x: Tensor<"batch d">) {
  return /*@*/valueAndGrad(loss)(params, x).value;
}
export const step2 = program(step, { mesh: M, layout: L });
`);
    const result = project.read(fixture);
    expect(result.diagnostics.map(where)).toEqual([expect.stringMatching(new RegExp(`:${fixture.expected?.line}:${fixture.expected?.column} MT1012$`))]);
    expect(result.diagnostics[0].message).toMatch(/`params\.layers` is an array/);
  });
});
