import { describe, expect, it } from "vitest";
import { makeInputs, maxDifference, runEager, runLowered } from "../../testing/harness.ts";
import { testMeshes, validLayouts } from "../../testing/layouts.ts";
import { equivalenceFixtures } from "../../testing/programs.ts";
import { compileProgram } from "../pipeline.ts";

// Every fixture x every mesh x every layout that validation accepts: the
// gathered device results equal the eager result of the global program.
describe.each(equivalenceFixtures.map((fixture) => [fixture.name, fixture] as const))("equivalence: %s", (_name, fixture) => {
  for (const mesh of testMeshes) {
    const shape = mesh.map((axis) => axis.size).join("x");
    it(`matches eager under every valid layout on a ${shape} mesh`, async () => {
      const layouts = validLayouts(fixture, mesh);
      expect(layouts.length).toBeGreaterThan(1);
      for (const layout of layouts) {
        const program = fixture.build(mesh, layout);
        const args = makeInputs(program, 7, { ids: fixture.sizes.vocab ?? 1 });
        const expected = await runEager(program, args);
        const { result } = await runLowered(compileProgram(program), args);
        expect(maxDifference(result, expected), `layout "${layout}" on ${shape}`).toBeLessThan(1e-4);
      }
    });
  }
});
