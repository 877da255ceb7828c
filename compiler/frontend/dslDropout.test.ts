/**
 * dropout in compiled programs: each shard draws exactly its block's mask, so
 * the compiled training step (forward and backward) gathered from the
 * simulated mesh equals the eager DSL functions run on the whole tensors,
 * through the interpreter and through the emitted TypeScript module; a loop's
 * layers draw different masks through a carried step.
 */
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type { ProgramMeta } from "../../dsl/runtime/programMeta.ts";
import { Tensor } from "../../dsl/tensor.ts";
import type { TensorTree } from "../testing/interpret.ts";
import { formatDiagnostic } from "../diagnostics/diagnostic.ts";
import { compileProgram } from "../passes/pipeline.ts";
import { scratchModules } from "../testing/scratchModule.ts";
import { argOf, readFixturePrograms } from "./__fixtures__/harness.ts";
import { makeInputs, maxDifference, runLowered, runOnMesh, type Args, type DeviceFunction } from "../testing/harness.ts";
import * as model from "./__fixtures__/dropoutModel.ts";
import { readPrograms } from "./frontend.ts";

const { front, project, programOf } = readFixturePrograms("dropoutModel.ts");
const trainEager = (args: Args) => model.trainStep(argOf(args, "p") as unknown as model.Params, argOf(args, "x") as Tensor<"batch d_model">, argOf(args, "step") as Tensor<"">);

describe("dropout, compiled", () => {
  it("reads without diagnostics", () => expect(front.diagnostics.map(formatDiagnostic)).toEqual([]));

  it.each(["megatron", "twoAxes", "whole"])("%s: the training step on the mesh equals the eager one (mask and gradient)", async (name) => {
    const program = programOf(name);
    const args = makeInputs(program, 4, { step: 9 });
    const { result } = await runLowered(compileProgram(program), args);
    expect(maxDifference(result, trainEager(args) as unknown as TensorTree)).toBeLessThan(1e-5);
  });

  it("a bad rate, a non-scalar step or a `training` that is not a boolean is one diagnostic at the user's call, saying what to pass", () => {
    const header = `import { dims, dropout, layout, mesh, program, type Tensor } from "../../../dsl/index.ts";\nconst D = dims({ batch: 4, d: 8 });\nconst M = mesh({ data: 2 });\nconst L = layout(M, D, "batch:data");\n`;
    const bodies = [
      'return dropout(x, 1, { seed: 0, name: "h" });',
      'return dropout(x, 0.1, { seed: 0, name: "h", step: x as never });',
      'return dropout(x, 0.1, { seed: 0, name: "h" }, { training: 1 as never });',
    ];
    const found = bodies.map((body, index) => {
      const file = project.createSourceFile(resolve(import.meta.dirname, `__fixtures__/badDropout${index}.ts`), `${header}export function f(x: Tensor<"batch d">) {\n  ${body}\n}\nexport const p = program(f, { mesh: M, layout: L });\n`, { overwrite: true });
      return readPrograms([file], { rootDir: import.meta.dirname, typeCheck: false }).diagnostics.map(formatDiagnostic);
    });
    expect(found.map((items) => items.length)).toEqual([1, 1, 1]);
    expect(found[0][0]).toMatch(/badDropout0\.ts:6:\d+ MT1033 dropout: at "h", rate 1 is not in \[0, 1\)\. Pass the probability/);
    expect(found[1][0]).toMatch(/badDropout1\.ts:6:\d+ MT1024 Argument 3 of dropout should be a key whose "step" is a scalar/);
    expect(found[2][0]).toMatch(/badDropout2\.ts:6:\d+ MT1033 dropout: `training` must be true or false/);
  });

  it("evaluation (training: false) adds no dropout op and equals the plain MLP", async () => {
    const program = programOf("evaluation");
    expect(program.body.some((statement) => statement.op === "dropout")).toBe(false);
    const args = makeInputs(program, 5);
    const { result } = await runLowered(compileProgram(program), args);
    expect(maxDifference(result, model.evaluate(argOf(args, "p") as unknown as model.Params, argOf(args, "x") as Tensor<"batch d_model">) as unknown as TensorTree)).toBeLessThan(1e-5);
  });

  it("a loop of layers keyed by a carried counter: compiled equals eager, and the layers' masks differ", async () => {
    const program = programOf("deep");
    const args = makeInputs(program, 6);
    const layers = argOf(args, "layers") as unknown as readonly [model.Params, model.Params];
    const { result } = await runLowered(compileProgram(program), args);
    expect(maxDifference(result, model.deepStep(layers, argOf(args, "x") as Tensor<"batch d_model">) as unknown as TensorTree)).toBeLessThan(1e-5);
    const ones = new Tensor<"batch d_model">(model.D.shape("batch d_model"), new Float32Array(32).fill(1));
    const first = model.forward(layers[0], ones, new Tensor([], new Float32Array([0])));
    const second = model.forward(layers[0], ones, new Tensor([], new Float32Array([1])));
    expect(maxDifference(first as unknown as TensorTree, second as unknown as TensorTree)).toBeGreaterThan(0);
  });

  describe("the emitted TypeScript module", () => {
    const scratch = scratchModules("dropout");

    it("draws each shard's block (blockDim) and equals eager", async () => {
      const names = ["megatron", "twoAxes"];
      const { text, module } = await scratch.emit(names.map((name) => compileProgram(programOf(name))), "dropoutModel.ts");
      expect(text).toMatch(/dropout\(\w+, 0\.3, \{ seed: 7, name: "hidden", step: \w+ \}, \{ block: \{ batch: blockDim\(ctx, 8, \["data"\]\), d_ff: blockDim\(ctx, 8, \["model"\]\) \} \}\)/);
      for (const name of names) {
        const args = makeInputs(programOf(name), 7, { step: 100 });
        const { result } = await runOnMesh(module[name] as DeviceFunction, module[`${name}Meta`] as ProgramMeta, args);
        expect(maxDifference(result, trainEager(args) as unknown as TensorTree), name).toBeLessThan(1e-5);
      }
    });
  });
});
