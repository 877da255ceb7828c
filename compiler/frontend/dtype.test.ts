/**
 * The `dtype` option of `program(...)`: read from the options into
 * `Program.dtype` (fp32 when absent), named in the IR header, and a
 * non-literal or unknown dtype is MT1101 at the option.
 */
import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../diagnostics/diagnostic.ts";
import { printProgram } from "../ir/printer.ts";
import { FixtureProject, where } from "./__fixtures__/harness.ts";

const project = new FixtureProject();
const header = `import { dims, layout, mesh, mul, program, type Tensor } from "./dsl.ts";
const D = dims({ batch: 8, d: 4 });
const M = mesh({ data: 2 });
const L = layout(M, D, "batch:data");
export function f(x: Tensor<"batch d">) { return mul(x, 2); }
`;

describe("program(..., { dtype })", () => {
  it("is read into Program.dtype, fp32 by default, and the IR header names bf16", () => {
    const fixture = project.addText("dtype", `${header}
export const plain = program(f, { mesh: M, layout: L });
export const half = program(f, { mesh: M, layout: L, dtype: "bf16" });
const options = { mesh: M, layout: L, dtype: "bf16" } as const;
export const viaType = program(f, options);
`);
    const result = project.read(fixture, true);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(result.programs.map((program) => [program.name, program.dtype])).toEqual([["plain", "fp32"], ["half", "bf16"], ["viaType", "bf16"]]);
    expect(printProgram(result.programs[1]).split("\n")[0]).toMatch(/layout "batch:data" dtype bf16 @/);
    expect(printProgram(result.programs[0]).split("\n")[0]).not.toMatch(/" dtype /);
  });

  it("names the dtypes at the option when it is not one of them (MT1101)", () => {
    const fixture = project.addText("dtype_bad", `${header}
export const half = program(f, { mesh: M, layout: L, /*@*/dtype: "fp16" });
`);
    const result = project.read(fixture);
    expect(result.diagnostics.map(where)).toEqual([expect.stringMatching(new RegExp(`:${fixture.expected?.line}:${fixture.expected?.column} MT1101$`))]);
    expect(result.diagnostics[0].message).toMatch(/dtype of this program from its type `"fp16"`: it must be "fp32" or "bf16"/);
  });
});
