import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../diagnostics/diagnostic.ts";
import { printProgram } from "../ir/printer.ts";
import { verify } from "../ir/verify.ts";
import { FixtureProject } from "./__fixtures__/harness.ts";

// Fixture projects -> golden IR text (compiler/frontend/__fixtures__/golden/*.ir).
// Each fixture also type-checks: the front end reports TypeScript errors first.
const project = new FixtureProject();
const fixtures = ["mlp", "helpers", "loops", "ops", "aliases"].map((name) => ({ name, fixture: project.addFile(`${name}.ts`) }));
const packageFixture = project.addFile("package.ts");

describe("front end golden IR", () => {
  for (const { name, fixture } of fixtures) {
    it(`${name}.ts`, async () => {
      const result = project.read(fixture, true);
      expect(result.diagnostics.map(formatDiagnostic)).toEqual([]);
      for (const program of result.programs) verify(program, "front end");
      const text = result.programs.map(printProgram).join("\n");
      await expect(text).toMatchFileSnapshot(`./__fixtures__/golden/${name}.ir`);
    });
  }
});

describe("front end over the package", () => {
  it('finds program(...) imported from "meshtype" and inlines a stdlib layer at its call site', () => {
    const result = project.read(packageFixture, true);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(result.programs.map((program) => program.name)).toEqual(["head2"]);
    const [program] = result.programs;
    const ops = program.body.flatMap((op) => (op.op === "loop" ? [] : [op]));
    const fromStdlib = ops.filter((op) => op.loc.file.endsWith("stdlib/layerNorm.ts"));
    // the layer norm: one fused normalize, then the scale and the bias
    expect(fromStdlib.map((op) => op.op)).toEqual(["normalize", "binary", "binary"]);
    expect(ops[ops.length - 1]).toMatchObject({ op: "einsum", loc: { file: "package.ts", line: 10, column: 10 } });
  });
});
