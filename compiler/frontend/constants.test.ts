/**
 * Module-level constant tensors compile (issue 15): `tensor(D, spec, data)`
 * whose data the front end computes becomes a `constant` op, sharded like any
 * value by the layout; tables made by eager ops at module level become those
 * ops. The compiled programs, run on the simulated mesh through the
 * interpreter and through the emitted TypeScript module, equal the eager DSL
 * functions; a constant costs no communication and has no gradient; data
 * that cannot be computed is one MT1034 per constant, every one of them.
 */
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type { ProgramMeta } from "../../dsl/runtime/programMeta.ts";
import type { Tensor } from "../../dsl/tensor.ts";
import { emitTorchModule } from "../backend/torch/emitTorchModule.ts";
import { formatDiagnostic, type Diagnostic } from "../diagnostics/diagnostic.ts";
import { explainProgram } from "../explain/explainRows.ts";
import { isLoop, walkOps } from "../ir/opAttrs.ts";
import { compileProgram } from "../passes/pipeline.ts";
import { scratchModules } from "../testing/scratchModule.ts";
import { simulateProgram } from "../simulate/simulate.ts";
import { cluster } from "../../dsl/cluster.ts";
import { opWork } from "../cost/opWork.ts";
import { makeInputs, maxDifference, runEager, runLowered, runOnMesh, type Args, type DeviceFunction } from "../testing/harness.ts";
import type { TensorTree } from "../testing/interpret.ts";
import * as model from "./__fixtures__/constants.ts";
import { FixtureProject, argOf, readFixturePrograms, where } from "./__fixtures__/harness.ts";
import { readPrograms } from "./frontend.ts";

const { front, programOf } = readFixturePrograms("constants.ts");
const x = (args: Args) => argOf(args, "x") as Tensor<"batch seq d">;
const w = (args: Args) => argOf(args, "w") as Tensor<"d f">;
/** The eager DSL function a program binds, on the same inputs. */
const eager = (name: string, args: Args): TensorTree => {
  if (name === "deepSplit") return model.deepStep(argOf(args, "layers") as unknown as Tensor<"d f">[], x(args)) as unknown as TensorTree;
  return (name === "trainSplit" ? model.trainStep(w(args), x(args)) : model.forward(x(args), w(args))) as unknown as TensorTree;
};
const forwards = ["whole", "split", "twoAxes"];
const all = [...forwards, "trainSplit", "deepSplit"];

describe("module-level constant tensors, compiled", () => {
  it("reads without diagnostics; each tensor(...) with data is a constant op holding the data the module computes", () => {
    expect(front.diagnostics.map(formatDiagnostic)).toEqual([]);
    const constants = [...walkOps(programOf("whole").body)].filter((op) => op.op === "constant");
    const data = constants.map((op) => (op.op === "constant" ? Array.from(op.data) : []));
    expect(data).toContainEqual(Array.from(model.BIAS.data));
    expect(data).toContainEqual(Array.from(model.TABLE.data));
    expect(data).toContainEqual([0.5, 0.5, 0.5, 0.5]);
    expect(data).toContainEqual([1, 1.25, 1.5, 1.75]);
    expect(data).toContainEqual(Array.from(Float32Array.from([0, 1, 2, 3], (value) => value / 4 - Math.cos(value))));
  });

  it.each(all)("%s: the IR's result equals the eager DSL function", async (name) => {
    const args = makeInputs(programOf(name), 3);
    expect(maxDifference(await runEager(programOf(name), args), eager(name, args))).toBeLessThan(1e-5);
  });

  it.each(all)("%s: compiled and gathered from the simulated mesh, it equals the eager DSL function", async (name) => {
    const args = makeInputs(programOf(name), 4);
    const { result } = await runLowered(compileProgram(programOf(name)), args);
    expect(maxDifference(result, eager(name, args))).toBeLessThan(1e-5);
  });

  it("a constant is made on every device and sliced to its block there: no communication for it", () => {
    // batch:data: nothing to communicate; d:data: the one all-reduce of the contraction over d (batch x seq x f floats)
    const bytes = (name: string) => Object.fromEntries(Object.entries(explainProgram(compileProgram(programOf(name))).bytesByCollective).filter(([kind]) => kind !== "localSlice"));
    expect(bytes("whole")).toEqual({});
    expect(bytes("split")).toEqual({ allReduce: 4 * 4 * 4 * 4 });
    const lowered = compileProgram(programOf("twoAxes"));
    const table = [...walkOps(lowered.body)].find((op) => op.op === "constant" && op.data.length === 32);
    const slices = [...walkOps(lowered.body)].filter((op) => op.op === "localSlice" && op.inputs[0] === table?.output);
    expect(slices.map((op) => (op.op === "localSlice" ? `${op.axis}:${op.dim}` : ""))).toEqual(["data:seq"]);
  });

  it("the training step has the gradient of w only, and CSE keeps one copy of each constant", () => {
    const lowered = compileProgram(programOf("trainSplit"));
    expect(lowered.gradients).toHaveLength(1);
    const sizes = [...walkOps(lowered.body)].filter((op) => op.op === "constant").map((op) => (op.op === "constant" ? op.data.length : 0));
    expect(sizes.sort((a, b) => a - b)).toEqual([4, 4, 4, 8, 8, 32]);
  });

  it("deepSplit keeps its layers in a loop whose body reads the constants (hoisted or recomputed, never communicated)", () => {
    const lowered = compileProgram(programOf("deepSplit"));
    expect(lowered.body.some(isLoop)).toBe(true);
    expect([...walkOps(lowered.body)].filter((op) => op.op === "constant").length).toBeGreaterThan(0);
  });

  it("explain and simulate cost a constant as the bytes it writes", () => {
    const lowered = compileProgram(programOf("whole"));
    const rows = explainProgram(lowered).rows.filter((row) => row.op.startsWith("constant"));
    expect(rows.map((row) => row.localDims).sort()).toEqual(["[d=8]", "[d=8]", "[f=4]", "[f=4]", "[f=4]", "[seq=4 d=8]"].sort());
    expect(opWork({ op: "constant", data: new Float32Array(32) }, [], [{ name: "seq", size: 4 }, { name: "d", size: 8 }], 4)).toEqual({ kind: "memory", flops: 0, bytes: 128 });
    expect(simulateProgram(lowered, cluster("a100")).summary.stepSeconds).toBeGreaterThan(0);
  });

  describe("the emitted TypeScript module", () => {
    const scratch = scratchModules("constants");

    it("writes each constant's data and equals eager under every binding", async () => {
      const { text, module } = await scratch.emit(all.map((name) => compileProgram(programOf(name))), "constants.ts");
      expect(text).toContain('tensor(dims({ d: 8 }), "d", [0.5, -1, 2, 0.25, -0.125, 3, -2, 1])');
      for (const name of all) {
        const args = makeInputs(programOf(name), 5);
        const { result } = await runOnMesh(module[name] as DeviceFunction, module[`${name}Meta`] as ProgramMeta, args);
        expect(maxDifference(result, eager(name, args)), name).toBeLessThan(1e-5);
      }
    });
  });

  it("the torch module embeds the data as float32, exactly", () => {
    const text = emitTorchModule([compileProgram(programOf("whole"))], "constants.ts");
    expect(text).toContain("torch.tensor([0.5, -1, 2, 0.25, -0.125, 3, -2, 1], dtype=torch.float32, device=mesh.device).reshape((8,))");
    // float32 values print as the shortest double that is them: Python's float32 conversion gives them back
    expect(text).toContain(`${Math.fround(Math.sin(1 / 7))}`);
  });
});

describe("constant data the compiler cannot compute", () => {
  const fixtures = new FixtureProject();
  const diagnosticsOf = (text: string): readonly Diagnostic[] => {
    const found = fixtures.addText("badConstant", text);
    const result = readPrograms([found.file], { rootDir: resolve(import.meta.dirname, "__fixtures__"), typeCheck: false });
    return result.diagnostics;
  };
  const header = `import { add, dims, layout, mesh, program, tensor, Tensor } from "./dsl.ts";
const D = dims({ batch: 2, d: 4 });
const M = mesh({ data: 2 });
`;

  it("every constant whose data is not known at compile time is one MT1034 at its data, naming it, and the program reads on", () => {
    const items = diagnosticsOf(`${header}let counter = 4;
const A = tensor(D, "d", [1, 2, 3, counter]);
const B = tensor(D, "d", JSON.parse("[1, 2, 3, 4]") as number[]);
export function f(x: Tensor<"batch d">) {
  return add(add(x, A), B);
}
export const p = program(f, { mesh: M, layout: layout(M, D, "batch:data") });
`);
    expect(items.map(where).map((text) => text.replace(/^.*\.ts:/, ""))).toEqual(["5:26 MT1034", "6:26 MT1034"]);
    expect(items[0].message).toMatch(/^tensor\(\.\.\.\) cannot be compiled into a device program: its data `\[1, 2, 3, counter\]` is not known at compile time/);
    expect(items[1].message).toContain("JSON.parse");
  });

  it("a table of 21,504 entries made by a function (more calls than a model may make) compiles, its data read once for both programs", () => {
    const found = fixtures.addText("bigTable", `import { add, dims, layout, mesh, program, tensor, Tensor } from "./dsl.ts";
const D = dims({ batch: 2, seq: 168, half: 128 });
const M = mesh({ data: 2 });
const ANGLES = tensor(D, "seq half", Array.from({ length: 168 * 128 }, (_, i) => Math.sin(Math.floor(i / 128) * 10000 ** (-(i % 128) / 128))));
export function f(x: Tensor<"batch seq half">) {
  return add(x, ANGLES);
}
export const p1 = program(f, { mesh: M, layout: layout(M, D, "batch:data") });
export const p2 = program(f, { mesh: M, layout: layout(M, D, "seq:data") });
`);
    const result = readPrograms([found.file], { rootDir: resolve(import.meta.dirname, "__fixtures__"), typeCheck: false });
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([]);
    const tables = result.programs.map((program) => [...walkOps(program.body)].find((op) => op.op === "constant"));
    const expected = Float32Array.from({ length: 168 * 128 }, (_, i) => Math.sin(Math.floor(i / 128) * 10000 ** (-(i % 128) / 128)));
    for (const table of tables) expect(table?.op === "constant" && table.data).toEqual(expected);
    // computed once: both programs hold the same array
    expect(tables[0]?.op === "constant" && tables[1]?.op === "constant" && tables[0].data === tables[1].data).toBe(true);
  });

  it("data of the wrong length is MT1034 naming both counts", () => {
    const items = diagnosticsOf(`${header}const A = tensor(D, "d", [1, 2, 3]);
export function f(x: Tensor<"batch d">) {
  return add(x, A);
}
export const p = program(f, { mesh: M, layout: layout(M, D, "batch:data") });
`);
    expect(items.map((item) => `${item.code} ${item.message}`)).toEqual([
      "MT1034 tensor(...) cannot be compiled into a device program: dims [d=4] need 4 elements but its data has 3.",
    ]);
  });
});
