import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../diagnostics/diagnostic.ts";
import { walkOps } from "../ir/opAttrs.ts";
import { FixtureProject } from "./__fixtures__/harness.ts";

// The static evaluator's JavaScript semantics, one expression per case: each
// case's value becomes the value of a `full` op, read back from the IR.
const cases: readonly [string, number][] = [
  ["1 + 2 * 3 - 4 / 2", 5],
  ["7 % 4 + 2 ** 3", 11],
  ["D.sizes.d_ff / M.sizes.model", 8],
  ["M.deviceCount", 4],
  ["L.dims.sizes.batch + L.mesh.sizes.data", 6],
  ["Math.max(2, 5) ** 2 + Math.floor(Math.PI)", 28],
  ["[1, 2, 3].length + 'abcd'.length", 7],
  ["`a${1 + 1}b`.length", 3],
  ["true ? 1 : 2", 1],
  ["undefined ?? 4", 4],
  ["(0 || 5) && 6", 6],
  ["'ab' === 'a' + 'b' ? 1 : 0", 1],
  ["-(3) + +2 + (!false ? 10 : 0)", 9],
  ["(() => { const { a, ...rest } = { a: 1, b: 2, c: 3 }; return a + rest.b + rest.c; })()", 6],
  ["(([first, , third = 9]: number[]) => first + third)([1, 2])", 10],
  ["(function (n: number, m = n * 2) { return m; })(3)", 6],
  ["({ ...{ a: 1, b: 5 }, b: 2 }).b", 2],
  ["({ ['k' + 1]: 3 })['k1']", 3],
  ["(() => { let n = 1; n += 2; n++; return n; })()", 4],
  ["(() => { let s = 0; for (const k of [1, 2, 3]) s = s + k; return s; })()", 6],
  ["(() => { if (D.sizes.batch > 2) { return 1; } else { return 2; } })()", 1],
  ["(() => { function twice(v: number) { return 2 * v; } return twice(twice(1)); })()", 4],
  ["((...all: number[]) => all.length)(...[1, 2], 3)", 3],
  ["HALF * 2", 1],
];

const source = `import { add, full, type Tensor } from "./dsl.ts";
import { D, L, M } from "./config.ts";
const HALF = 0.5;
export function f(x: Tensor<"batch d_model">) {
  return [
${cases.map(([expression]) => `    add(x, full(D, "d_model", ${expression})),`).join("\n")}
  ];
}
export const p = program(f, { mesh: M, layout: L });
import { program } from "./dsl.ts";
`;

const project = new FixtureProject();
const fixture = project.addText("staticEval", source);

describe("static evaluation", () => {
  it("computes every case as JavaScript does", () => {
    const result = project.read(fixture);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([]);
    const values = [...walkOps(result.programs[0].body)].flatMap((op) => (op.op === "full" ? [op.value] : []));
    expect(values).toEqual(cases.map(([, value]) => value));
  });
});
