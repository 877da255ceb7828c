import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../diagnostics/diagnostic.ts";
import { FixtureProject, where } from "./__fixtures__/harness.ts";

// issue 15: dims({ capacity: Math.ceil(...) }) type-checks (capacity: number) and must compile too.
const project = new FixtureProject();
const computed = project.addText(
  "computedSizes",
  `import { dims, layout, mesh, program, type Tensor } from "./dsl.ts";
const TOKENS = 8;
const D = dims({ batch: 4, seq: TOKENS, experts: 4, capacity: Math.ceil((1.25 * TOKENS) / 4) });
const M = mesh({ data: 2 });
const L = layout(M, D, "batch:data");
export function f(x: Tensor<"batch experts capacity">) {
  return x;
}
export const p = program(f, { mesh: M, layout: L });
`,
);
const bad = project.addText(
  "badSizes",
  `import { dims, layout, mesh, program, type Tensor } from "./dsl.ts";
declare function guess(): number;
const D = dims({ batch: 4, seq: guess(), capacity: 10 / 4 });
const M = mesh({ data: 2 });
const L = layout(M, D, "batch:data");
export function f(x: Tensor<"batch seq">) {
  return x;
}
export const p = program(f, { mesh: M, layout: L });
export const q = program(f, { mesh: M, layout: L });
`,
);

describe("computed dim sizes", () => {
  it("are computed from the dims({...}) call behind the layout", () => {
    const result = project.read(computed);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([]);
    const x = result.programs[0].values.get(0);
    expect(x?.dims).toEqual([{ name: "batch", size: 4 }, { name: "experts", size: 4 }, { name: "capacity", size: 3 }]);
  });

  it("that cannot be computed are MT1601 at each entry, all of them, once for the two programs that read them", () => {
    const result = project.read(bad);
    expect(result.diagnostics.map(where)).toEqual([`${bad.file.getBaseName()}:3:28 MT1601`, `${bad.file.getBaseName()}:3:42 MT1601`]);
    expect(result.diagnostics[0].message).toMatch(/^dims\(\{\.\.\.\}\): the size of `seq`, `guess\(\)`, cannot be computed at compile time: MT1023 /);
    expect(result.diagnostics[1].message).toBe("dims({...}): the size of `capacity`, `10 / 4`, cannot be computed at compile time: it is 2.5, not a positive integer.");
  });
});
