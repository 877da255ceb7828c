import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Tensor } from "../../../dsl/tensor.ts";
import { CompileError } from "../../diagnostics/diagnostic.ts";
import { walkOps } from "../../ir/opAttrs.ts";
import { paddedDimsOf } from "../../ir/sharding.ts";
import { makeInputs, maxDifference, runEager, runLowered } from "../../testing/harness.ts";
import { randomProgram } from "../../testing/randomPrograms.ts";
import { compileProgram } from "../pipeline.ts";

/** The largest magnitude in a result, so the tolerance is relative for large values. */
function scaleOf(tree: unknown): number {
  return tree instanceof Tensor ? Math.max(1, ...Array.from(tree.data, Math.abs)) : 1;
}

describe("properties of lowering over uneven splits (random programs, sizes 1-8, padded rules over one or several axes)", () => {
  it("the gathered device result equals eager, or the compiler names a user error", async () => {
    let compiled = 0;
    let padded = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), async (seed) => {
        const program = randomProgram(seed, { uneven: true });
        let lowered;
        try {
          lowered = compileProgram(program);
        } catch (error) {
          if (error instanceof CompileError) return;
          throw error;
        }
        compiled++;
        if ([...lowered.values.values()].some((value) => value.sharding && paddedDimsOf(value.dims, value.sharding, lowered.mesh).length > 0)) padded++;
        const args = makeInputs(program, seed);
        const expected = await runEager(program, args);
        const { result } = await runLowered(lowered, args);
        expect(maxDifference(result, expected), `seed ${seed} layout "${program.layoutSpec}"`).toBeLessThanOrEqual(1e-4 * scaleOf(expected));
      }),
      { numRuns: 300 },
    );
    expect(compiled).toBeGreaterThan(100);
    expect(padded).toBeGreaterThan(80);
  });

  it("draws programs that mask padding and split a dim over several axes", () => {
    const kinds = new Set<string>();
    for (let seed = 1; seed <= 300; seed++) {
      const program = randomProgram(seed, { uneven: true });
      if (/\(\w+, \w+/.test(program.layoutSpec)) kinds.add("several axes");
      try {
        if ([...walkOps(compileProgram(program).body)].some((op) => op.op === "maskPadding")) kinds.add("mask");
      } catch (error) {
        if (!(error instanceof CompileError)) throw error;
      }
    }
    expect([...kinds].sort()).toEqual(["mask", "several axes"]);
  });
});
