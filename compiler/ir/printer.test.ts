import { describe, expect, it } from "vitest";
import type { MeshAxis } from "../../dsl/mesh.ts";
import { compileProgram } from "../passes/pipeline.ts";
import { readGolden } from "../testing/golden.ts";
import { embedding, heads, layers, mlp, reductions, softmax } from "../testing/programs.ts";
import { printProgram } from "./printer.ts";

const mesh: readonly MeshAxis[] = [{ name: "data", size: 2 }, { name: "model", size: 2 }];
const cases = [
  { fixture: mlp, layout: "batch:data, d_ff:model" },
  { fixture: layers, layout: "batch:data, d_ff:model" },
  { fixture: heads, layout: "batch:data, heads:model" },
  { fixture: softmax, layout: "vocab:model" },
  { fixture: reductions, layout: "seq:data, d_model:model" },
  { fixture: embedding, layout: "vocab:model, batch:data" },
];

// Golden text of the global and the lowered IR (UPDATE_GOLDEN=1 rewrites them).
describe("printProgram goldens", () => {
  it.each(cases.map((entry) => [entry.fixture.name, entry] as const))("%s", (name, { fixture, layout }) => {
    const program = fixture.build(mesh, layout);
    const text = `${printProgram(program)}\n${printProgram(compileProgram(program))}`;
    expect(text).toBe(readGolden(import.meta.dirname, `${name}.ir.txt`, text));
  });

  it("prints the same text twice (stable)", () => {
    const program = compileProgram(mlp.build(mesh, "batch:data, d_ff:model"));
    expect(printProgram(program)).toBe(printProgram(program));
  });
});
