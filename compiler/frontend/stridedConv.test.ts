/**
 * conv2d at any stride and window through the compiler (issue 15): a 3x3
 * window at stride 2 ("same", overlapping), a 2x2 window ("same", the odd
 * padding row after) and a 2x2 window at stride 4 ("valid") become the
 * strided plan's slices, concats, splits and einsums (dsl/ops/stridedConv.ts);
 * compiled under batch, channel and row-and-column layouts, gathered from the simulated
 * mesh (interpreter and emitted TypeScript module) and from 4 gloo ranks,
 * they equal the eager DSL function, the training step's gradients included.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProgramMeta } from "../../dsl/runtime/programMeta.ts";
import type { Tensor } from "../../dsl/tensor.ts";
import { emitModule } from "../backend/ts/emitModule.ts";
import { formatDiagnostic } from "../diagnostics/diagnostic.ts";
import type { Program } from "../ir/ir.ts";
import { walkOps } from "../ir/opAttrs.ts";
import { compileProgram } from "../passes/pipeline.ts";
import { makeInputs, maxDifference, runEager, runLowered, runOnMesh, type Args, type DeviceFunction } from "../testing/harness.ts";
import type { TensorTree } from "../testing/interpret.ts";
import { compareRanks } from "../testing/torch/compareRanks.ts";
import { runTorchPrograms, type TorchRun } from "../testing/torch/runTorch.ts";
import { examplePlans, prepareCase, type TorchTestCase } from "../testing/torch/torchCases.ts";
import { describeWithTorch } from "../testing/torch/torchGuard.ts";
import * as model from "./__fixtures__/stridedConv.ts";
import { readPrograms } from "./frontend.ts";
import { createProject, findTsConfig } from "./loadProject.ts";

const fixturePath = "compiler/frontend/__fixtures__/stridedConv.ts";
const fixture = resolve(import.meta.dirname, "__fixtures__/stridedConv.ts");
const project = createProject(findTsConfig(fixture));
const front = readPrograms([project.addSourceFileAtPath(fixture)], { rootDir: import.meta.dirname, typeCheck: false });
const programOf = (name: string): Program => {
  const found = front.programs.find((entry) => entry.name === name);
  if (!found) throw new Error(`no program ${name}`);
  return found;
};
const names = ["convData", "convRows", "convChannels", "convTrainRows"];
/** The eager DSL function a program binds, on the same inputs. */
function eager(name: string, args: Args): TensorTree {
  const x = args.find((entry) => entry.name === "x")?.tree as Tensor<"batch height width c_in">;
  const p = (args.find((entry) => entry.name === "p")?.tree ?? {}) as unknown as model.ConvParams;
  return (name === "convTrainRows" ? model.trainStep(p, x) : model.net(x, p)) as unknown as TensorTree;
}

describe("strided and even-window conv2d, compiled", () => {
  it("reads without diagnostics, as the strided plan: no conv2d op (its windows are even or strided), slices and einsums", () => {
    expect(front.diagnostics.map(formatDiagnostic)).toEqual([]);
    const kinds = new Set([...walkOps(programOf("convData").body)].map((op) => op.op));
    expect(kinds.has("conv2d")).toBe(false);
    for (const kind of ["slice", "concat", "splitDim", "einsum"]) expect(kinds, kind).toContain(kind);
  });

  it.each(names)("%s: the IR's result equals the eager DSL function", async (name) => {
    const args = makeInputs(programOf(name), 3);
    expect(maxDifference(await runEager(programOf(name), args), eager(name, args))).toBeLessThan(1e-5);
  });

  it.each(names)("%s: compiled and gathered from the simulated mesh, it equals the eager DSL function", async (name) => {
    const args = makeInputs(programOf(name), 4);
    const { result } = await runLowered(compileProgram(programOf(name)), args);
    expect(maxDifference(result, eager(name, args))).toBeLessThan(1e-4);
  });

  describe("the emitted TypeScript module", () => {
    const repo = resolve(import.meta.dirname, "../..");
    const scratchRoot = join(repo, "compiler/backend/ts/generated");
    mkdirSync(scratchRoot, { recursive: true });
    const scratch = mkdtempSync(join(scratchRoot, "strided-"));
    afterAll(() => rmSync(scratch, { recursive: true, force: true }));

    it("equals eager under every binding", async () => {
      const text = emitModule(names.map((name) => compileProgram(programOf(name))), { sourceFile: "stridedConv.ts", dslModule: join(repo, "dsl/index.ts"), runtimeModule: join(repo, "dsl/runtime/index.ts") });
      const file = join(scratch, "strided.run.ts");
      writeFileSync(file, text);
      const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
      for (const name of names) {
        const args = makeInputs(programOf(name), 5);
        const { result } = await runOnMesh(module[name] as DeviceFunction, module[`${name}Meta`] as ProgramMeta, args);
        expect(maxDifference(result, eager(name, args)), name).toBeLessThan(1e-4);
      }
    });
  });
});

describeWithTorch("strided and even-window conv2d on 4 gloo processes", () => {
  const cases = new Map<string, TorchTestCase>();
  let run: TorchRun;

  beforeAll(async () => {
    for (const plan of examplePlans(fixturePath)) cases.set(plan.global.name, await prepareCase({ ...plan, name: `strided_${plan.global.name}` }));
    run = await runTorchPrograms([...cases.values()]);
  }, 600_000);

  it.each(names)("%s: every rank holds its shard of the eager DSL function's result", (name) => {
    const testCase = cases.get(name);
    const ranks = run.ranks.get(`strided_${name}`);
    if (!testCase || !ranks) throw new Error(`no torch result for ${name}`);
    expect(compareRanks(testCase.program, ranks, eager(name, testCase.args)).problems, name).toEqual([]);
  });
});
