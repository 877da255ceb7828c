/**
 * Diagnostics about a binding land where the user wrote its cause: a layout
 * conflict at the layout rule (once, naming the program and both rules, the
 * first tensor and the library line as notes), a size an axis does not
 * divide at the `dims({...})` or `mesh({...})` entry, an unknown axis at its
 * rule; and op errors inside stdlib at the user's call. No IR ids, no
 * repeated prefixes.
 */
import { describe, expect, it } from "vitest";
import { CompileError, type Diagnostic } from "../diagnostics/diagnostic.ts";
import { compileProgram } from "../passes/pipeline.ts";
import { FixtureProject, fixturesDir, where, type Fixture } from "./__fixtures__/harness.ts";
import { readPrograms } from "./frontend.ts";

const project = new FixtureProject();

/** The diagnostics of reading and compiling every program of a fixture. */
function diagnosticsOf(fixture: Fixture): Diagnostic[] {
  const result = readPrograms([fixture.file], { rootDir: fixturesDir, typeCheck: false });
  const found = [...result.diagnostics];
  for (const program of result.programs) {
    try {
      compileProgram(program);
    } catch (error) {
      if (!(error instanceof CompileError)) throw error;
      found.push(...error.diagnostics);
    }
  }
  return found;
}

/** `file:line:col` of the marker in a fixture. */
function marked(fixture: Fixture): string {
  return `${fixture.file.getBaseName()}:${fixture.expected?.line}:${fixture.expected?.column}`;
}

const model = `import { dims, einsum, layout, mesh, program, relu, Tensor } from "./dsl.ts";
export function f(x: Tensor<"batch d">, w: Tensor<"d f">) {
  const y = einsum(x, w, "batch f");
  return relu(einsum(y, "batch f"));
}
`;

describe("binding diagnostics at the user's layout, dims and mesh", () => {
  it("a layout conflict inside a stdlib layer (issue 15: 24 MT2001 inside stdlib/routing.ts): one MT2001 at the user's rule, naming the program and both rules", () => {
    const fixture = project.addText("moeConflict", `import { layout, mesh, program } from "./dsl.ts";
import { D, moeLayer } from "../../../examples/moe/moe.ts";
const M = mesh({ data: 4 });
const L = layout(M, D, "batch:data, /*@*/experts:data");
export const moeBad = program(moeLayer, { mesh: M, layout: L });
`);
    const diagnostics = diagnosticsOf(fixture);
    expect(diagnostics.map(where)).toEqual([`${marked(fixture)} MT2001`]);
    const [item] = diagnostics;
    expect(item.message).toMatch(/^Layout "batch:data, experts:data" of program `moeBad` puts "batch" and "experts" both on mesh axis "data" \(rules "batch:data" and "experts:data"\), but \d+ tensors have both dims/);
    const notes = (item.notes ?? []).map((note) => `${note.loc?.file}:${note.loc?.line} ${note.message}`);
    expect(notes[0]).toBe(`${fixture.file.getBaseName()}:4 the other rule, "batch:data", is here`);
    expect(notes[1]).toMatch(/\/examples\/moe\/moe\.ts:\d+ the first tensor with both dims/);
    expect(notes[2]).toMatch(/\/stdlib\/\w+\.ts:\d+ where it happens, inside meshtype's library code/);
  });

  it("a dim size the axis does not divide: one MT2002 at the dims({...}) entry, with the mesh entry and the rule as notes", () => {
    const fixture = project.addText("indivisibleDim", `${model}const D = dims({ /*@*/batch: 5, d: 4, f: 8 });
const M = mesh({ data: 2 });
export const p = program(f, { mesh: M, layout: layout(M, D, "batch:data") });
`);
    const diagnostics = diagnosticsOf(fixture);
    expect(diagnostics.map(where)).toEqual([`${marked(fixture)} MT2002`]);
    expect(diagnostics[0].message).toBe('Dim "batch" has size 5, which mesh axis "data" (size 2) does not divide, but layout "batch:data" of program `p` splits it over "data".');
    expect((diagnostics[0].notes ?? []).map((note) => note.message)).toEqual([
      'mesh axis "data" is declared with size 2 here', 'rule "batch:data" splits "batch" over "data" here',
    ]);
  });

  it("a mesh axis larger than the dim it splits (mesh({ data: 2147483648 })): one MT2002 at the mesh entry", () => {
    const fixture = project.addText("hugeMesh", `${model}const D = dims({ batch: 4, d: 4, f: 8 });
const M = mesh({ /*@*/data: 2147483648 });
const L = layout(M, D, "batch:data");
export const p = program(f, { mesh: M, layout: L });
`);
    const diagnostics = diagnosticsOf(fixture);
    expect(diagnostics.map(where)).toEqual([`${marked(fixture)} MT2002`]);
    expect(diagnostics[0].hint).toMatch(/^Mesh axis "data" has more devices than "batch" has entries/);
  });

  it("an unknown axis in a layout declared in another file: MT2003 at the rule there, no IR ids or empty dims", () => {
    const config = project.addText("otherConfig", `import { dims, layout, mesh } from "./dsl.ts";
export const D = dims({ batch: 4, d: 4, f: 8 });
export const M = mesh({ data: 2 });
export const L = layout(M, D, "/*@*/batch:dta");
`);
    const name = config.file.getBaseName().replace(/\.ts$/, "");
    const fixture = project.addText("unknownAxis", `${model}import { L, M } from "./${name}.ts";\nexport const p = program(f, { mesh: M, layout: L });\n`);
    const diagnostics = diagnosticsOf(fixture);
    expect(diagnostics.map(where)).toEqual([`${marked(config)} MT2003`]);
    expect(diagnostics[0].message).toBe('Layout "batch:dta" puts "batch" on mesh axis "dta", which the mesh of program `p` does not have.');
  });

  it("an op error names the op once and a tensor by its source, never an IR id (was `einsum: einsum: ... tensor %3`)", () => {
    const fixture = project.addText("einsumMessage", `import { einsum, program, relu, Tensor } from "./dsl.ts";
import { L, M } from "./config.ts";
export function f(x: Tensor<"batch d_model">, w: Tensor<"d_model d_ff">) {
  return /*@*/einsum(relu(x), w, "batch nope" as never);
}
export const p = program(f, { mesh: M, layout: L });
`);
    const diagnostics = diagnosticsOf(fixture);
    expect(diagnostics.map(where)).toEqual([`${marked(fixture)} MT1033`]);
    expect(diagnostics[0].message).toMatch(/^einsum: output dim "nope" of "batch nope" is in no input \(tensor `relu\(x\)` \[batch=4, d_model=8\], tensor "w"/);
    expect(diagnostics[0].message).not.toMatch(/einsum: einsum|%\d/);
  });

  it("an op error inside a stdlib layer is reported at the user's call, with the library line as a note", () => {
    const fixture = project.addText("stdlibMisuse", `import { program, Tensor } from "./dsl.ts";
import { L, M } from "./config.ts";
import { dense } from "../../../stdlib/dense.ts";
export function f(x: Tensor<"batch d_model">, w: Tensor<"d_ff d_model">, b: Tensor<"d_model">) {
  return /*@*/dense(x, { w, b } as never, "batch nope" as never);
}
export const p = program(f, { mesh: M, layout: L });
`);
    const diagnostics = diagnosticsOf(fixture);
    expect(diagnostics.map(where)).toEqual([`${marked(fixture)} MT1033`]);
    expect(diagnostics[0].notes?.[0]?.loc?.file).toMatch(/\/stdlib\/dense\.ts$/);
  });

  it("every constant tensor(...) whose data is not known at compile time is reported (issue 15: only the first was), each once across the programs that read it", () => {
    const fixture = project.addText("twoConstants", `import { add, dims, layout, mesh, program, tensor, Tensor } from "./dsl.ts";
const D = dims({ batch: 2, d: 4 });
let four = 4;
const A = tensor(D, "d", /*@*/[1, 2, 3, four]);
const B = tensor(D, "d", [5, 6, 7, four]);
export function f(x: Tensor<"batch d">) {
  return add(add(x, A), B);
}
const M = mesh({ data: 2 });
export const p1 = program(f, { mesh: M, layout: layout(M, D, "batch:data") });
export const p2 = program(f, { mesh: M, layout: layout(M, D, "batch:data") });
`);
    const base = fixture.file.getBaseName();
    expect(diagnosticsOf(fixture).map(where)).toEqual([`${marked(fixture)} MT1034`, `${base}:5:26 MT1034`]);
  });
});
