import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CompileError } from "../../diagnostics/diagnostic.ts";
import { makeInputs, maxDifference, runEager, runLowered } from "../../testing/harness.ts";
import { randomProgram } from "../../testing/randomPrograms.ts";
import { compileProgram } from "../pipeline.ts";
import { Tensor } from "../../../dsl/tensor.ts";

/** The largest magnitude in a result, so the tolerance is relative for large values. */
function scaleOf(tree: unknown): number {
  return tree instanceof Tensor ? Math.max(1, ...Array.from(tree.data, Math.abs)) : 1;
}

describe("properties of lowering (random programs, meshes and layouts)", () => {
  it("the gathered device result equals eager, or the compiler names a user error", async () => {
    let compiled = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), async (seed) => {
        const program = randomProgram(seed);
        let lowered;
        try {
          lowered = compileProgram(program);
        } catch (error) {
          if (error instanceof CompileError) return;
          throw error;
        }
        compiled++;
        const args = makeInputs(program, seed);
        const expected = await runEager(program, args);
        const { result } = await runLowered(lowered, args);
        expect(maxDifference(result, expected), `seed ${seed}`).toBeLessThanOrEqual(1e-4 * scaleOf(expected));
      }),
      { numRuns: 400 },
    );
    expect(compiled).toBeGreaterThan(100);
  });
});
