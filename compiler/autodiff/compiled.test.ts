import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { valueAndGrad, grad } from "../../dsl/autodiff/grad.ts";
import type { Tensor } from "../../dsl/tensor.ts";
import type { Program } from "../ir/ir.ts";
import { compileProgram } from "../passes/pipeline.ts";
import { readFixturePrograms } from "../testing/fixturePrograms.ts";
import { makeInputs, maxDifference, runEager, runLowered, type Args } from "../testing/harness.ts";
import type { TensorTree } from "../testing/interpret.ts";
import { deepLoss, loss, type Params } from "./__fixtures__/mlpTrain.ts";

// The fixture's programs, read by the front end (valueAndGrad/grad in model code), lowered, run on a
// simulated mesh and compared with eager valueAndGrad on the same inputs.
const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = readFixturePrograms(path.join(here, "__fixtures__", "mlpTrain.ts"), { rootDir: here, typeCheck: true });
const programNamed = (name: string): Program => fixture.named(name);

const argOf = (args: Args, name: string): TensorTree => args.find((arg) => arg.name === name)?.tree ?? [];

describe("compiled valueAndGrad of an MLP loss", () => {
  it("reads every program without diagnostics", () => {
    expect(fixture.diagnostics()).toEqual([]);
  });

  for (const name of ["single", "data2", "megatron2", "data4", "megatron4", "twoD4"]) {
    it(`${name}: the loss and gradients on the mesh equal eager valueAndGrad`, async () => {
      const global = programNamed(name);
      const args = makeInputs(global, 3);
      const p = argOf(args, "p") as unknown as Params;
      const eager = valueAndGrad(loss)(p, argOf(args, "x") as Tensor<"batch d_model">, argOf(args, "target") as Tensor<"batch d_model">);
      const expected = { loss: eager.value, grad: eager.grad };
      expect(maxDifference(await runEager(global, args), expected)).toBeLessThan(1e-5);
      const { result } = await runLowered(compileProgram(global), args);
      expect(maxDifference(result, expected)).toBeLessThan(1e-5);
    });
  }

  it("deep4: gradients through a loop of layers (kept: a forward and a reverse loop) on a 2x2 mesh equal eager grad", async () => {
    const global = programNamed("deep4");
    expect(global.body.filter((statement) => statement.op === "loop")).toHaveLength(2);
    const args = makeInputs(global, 5);
    const expected = grad(deepLoss)(argOf(args, "layers") as unknown as readonly [Params, Params], argOf(args, "x") as Tensor<"batch d_model">);
    const { result } = await runLowered(compileProgram(global), args);
    expect(maxDifference(result, expected)).toBeLessThan(1e-5);
  });
});

describe("data-parallel gradient all-reduce", () => {
  for (const [name, devices, groupSize] of [["gradData2", 2, 2], ["gradData4", 4, 2]] as const) {
    it(`${name}: each device sends 2(n-1)/n x parameter bytes in all-reduces over "data", and nothing else`, async () => {
      const global = programNamed(name);
      const lowered = compileProgram(global);
      const { stats } = await runLowered(lowered, makeInputs(global, 1));
      const paramBytes = 4 * (4 * 8 + 8 * 4);
      const perDevice = stats.perDevice("allReduce", "data");
      expect(perDevice).toHaveLength(devices);
      for (const count of perDevice) {
        expect(count.wireBytes).toBeCloseTo((2 * (groupSize - 1) / groupSize) * paramBytes, 6);
        expect(count.payloadBytes).toBe(paramBytes);
      }
      expect(stats.entries().filter((entry) => !(entry.kind === "allReduce" && entry.axis === "data"))).toEqual([]);
    });
  }
});
