/**
 * The gradient through a relayout, compiled: the cotangent of the relayout's
 * input takes the state that input had in the forward (batch-split), not the
 * relayout's rules (d_ff-split). With the relayout's rules the gradient of w,
 * einsum(x batch-split, cotangent d_ff-split), could not be lowered (MT3001).
 */
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { compileProgram } from "../passes/pipeline.ts";
import { readFixturePrograms } from "../testing/fixturePrograms.ts";
import { makeInputs, maxDifference, runEager, runLowered } from "../testing/harness.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = readFixturePrograms(path.join(here, "__fixtures__", "relayoutTrain.ts"), { rootDir: here, typeCheck: true });

it("relayoutData2: the loss and gradient on the mesh equal the eager ones", async () => {
  expect(fixture.diagnostics()).toEqual([]);
  const program = fixture.named("relayoutData2");
  const args = makeInputs(program, 3);
  const { result } = await runLowered(compileProgram(program), args);
  expect(maxDifference(result, await runEager(program, args))).toBeLessThan(1e-5);
});
