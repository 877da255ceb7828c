/**
 * The items of an array parameter are read once when their type holds no
 * array of unknown length (the layers of a model share one spec, so the
 * passes see one dims array per weight instead of one per layer); an item
 * whose spec holds such an array is read per index, since each item's
 * length is learned at its own path (`params.layers.1.heads`).
 */
import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../diagnostics/diagnostic.ts";
import type { Program, ValueTree } from "../ir/ir.ts";
import { FixtureProject } from "./__fixtures__/harness.ts";

const project = new FixtureProject();
const header = `import { add, dims, layout, mesh, program, sum, type Tensor } from "./dsl.ts";
const D = dims({ batch: 8, d: 4 });
const M = mesh({ data: 2 });
const L = layout(M, D, "batch:data");
`;

function leafPaths(tree: ValueTree, path: string, out: string[] = []): string[] {
  if (tree.kind === "tensor") out.push(path);
  else if (tree.kind === "array") tree.items.forEach((item, index) => leafPaths(item, `${path}.${index}`, out));
  else for (const [field, item] of Object.entries(tree.fields)) leafPaths(item, `${path}.${field}`, out);
  return out;
}

function leafDims(program: Program, tree: ValueTree): unknown[] {
  if (tree.kind === "tensor") return [program.values.get(tree.value)?.dims];
  const items = tree.kind === "array" ? tree.items : Object.values(tree.fields);
  return items.flatMap((item) => leafDims(program, item));
}

describe("array parameters: one spec for items of one type", () => {
  it("gives every layer's weight one dims array (read once), with a value of its own", () => {
    const fixture = project.addText("shared_layers", `${header}
interface P { readonly layers: readonly { readonly b: Tensor<"d"> }[] }
function model(params: P, x: Tensor<"batch d">): Tensor<""> {
  let h = x;
  for (let i = 0; i < 4; i++) h = add(h, params.layers[i].b);
  return sum(h, "batch d");
}
export const shared = program(model, { mesh: M, layout: L });
`);
    const result = project.read(fixture);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([]);
    const [program] = result.programs;
    const tree = program.params[0].tree;
    expect(leafPaths(tree, "params")).toEqual(["params.layers.0.b", "params.layers.1.b", "params.layers.2.b", "params.layers.3.b"]);
    const dims = leafDims(program, tree);
    expect(new Set(dims).size).toBe(1);
    const values = tree.kind === "object" && tree.fields.layers.kind === "array" ? tree.fields.layers.items.map((item) => (item.kind === "object" && item.fields.b.kind === "tensor" ? item.fields.b.value : -1)) : [];
    expect(new Set(values).size).toBe(4);
  });

  it("reads each item by itself when the items hold arrays whose lengths the model gives per item", () => {
    const fixture = project.addText("per_item_lengths", `${header}
interface P { readonly layers: readonly { readonly heads: readonly Tensor<"d">[] }[] }
function model(params: P, x: Tensor<"batch d">): Tensor<""> {
  // an array's length is learned at its first index (the largest comes first)
  const second = params.layers[1];
  const first = params.layers[0];
  const h = add(add(add(add(x, second.heads[2]), second.heads[0]), second.heads[1]), first.heads[0]);
  return sum(h, "batch d");
}
export const perItem = program(model, { mesh: M, layout: L });
`);
    const result = project.read(fixture);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([]);
    const [program] = result.programs;
    expect(leafPaths(program.params[0].tree, "params")).toEqual(["params.layers.0.heads.0", "params.layers.1.heads.0", "params.layers.1.heads.1", "params.layers.1.heads.2"]);
  });
});
