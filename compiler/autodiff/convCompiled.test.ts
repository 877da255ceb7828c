import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { valueAndGrad } from "../../dsl/autodiff/grad.ts";
import type { Tensor } from "../../dsl/tensor.ts";
import { walkOps } from "../ir/opAttrs.ts";
import { compileProgram } from "../passes/pipeline.ts";
import { readFixturePrograms } from "../testing/fixturePrograms.ts";
import { makeInputs, maxDifference, runEager, runLowered, type Args } from "../testing/harness.ts";
import type { TensorTree } from "../testing/interpret.ts";
import { convLoss, type ConvParams } from "./__fixtures__/convTrain.ts";

// The conv fixture's training steps, read by the front end, lowered (the backward convolutions with halo
// exchanges where height is split), run on a simulated mesh and compared with eager valueAndGrad.
const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = readFixturePrograms(path.join(here, "__fixtures__", "convTrain.ts"), { rootDir: here, typeCheck: true });

const argOf = (args: Args, name: string): TensorTree => args.find((arg) => arg.name === name)?.tree ?? [];

describe("compiled valueAndGrad of a conv model", () => {
  it("reads every program without diagnostics", () => {
    expect(fixture.diagnostics()).toEqual([]);
  });

  for (const [name, halos] of [["convData2", 0], ["convSpace2", 3], ["convBoth4", 3]] as const) {
    it(`${name}: the loss and both kernels' gradients on the mesh equal eager valueAndGrad`, async () => {
      const global = fixture.named(name);
      const args = makeInputs(global, 3);
      const eager = valueAndGrad(convLoss)(argOf(args, "p") as unknown as ConvParams, argOf(args, "x") as Tensor<"batch height width c_in">);
      const expected = { loss: eager.value, grad: eager.grad };
      // The gradients are not trivially zero (what eager grad gave before conv2d was recorded).
      for (const kernel of [eager.grad.k1, eager.grad.k2]) expect(kernel.data.some((value) => Math.abs(value) > 1e-4)).toBe(true);
      expect(maxDifference(await runEager(global, args), expected)).toBeLessThan(1e-5);
      const lowered = compileProgram(global);
      // With height split, the two forward convs and the backward conv of h's cotangent each exchange halos (x gets none).
      expect([...walkOps(lowered.body)].filter((op) => op.op === "haloExchange")).toHaveLength(halos);
      const { result } = await runLowered(lowered, args);
      expect(maxDifference(result, expected)).toBeLessThan(1e-5);
    });
  }
});
