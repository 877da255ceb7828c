import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../diagnostics/diagnostic.ts";
import { printProgram } from "../ir/printer.ts";
import { verify } from "../ir/verify.ts";
import { FixtureProject } from "./__fixtures__/harness.ts";

// Fixture projects -> golden IR text (compiler/frontend/__fixtures__/golden/*.ir).
// Each fixture also type-checks: the front end reports TypeScript errors first.
const project = new FixtureProject();
const fixtures = ["mlp", "helpers", "loops", "ops", "aliases"].map((name) => ({ name, fixture: project.addFile(`${name}.ts`) }));

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
