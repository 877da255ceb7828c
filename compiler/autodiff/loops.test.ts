/**
 * Loops through autodiff: the backward of a kept loop over layers is one
 * reverse loop, so the training step's IR has the same size whatever the
 * trip count; its gradients equal eager valueAndGrad under every layout and
 * recomputation policy, compiled and run on a simulated mesh.
 */
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { valueAndGrad } from "../../dsl/autodiff/grad.ts";
import type { Tensor } from "../../dsl/tensor.ts";
import type { Block, Loop, Program } from "../ir/ir.ts";
import { isLoop, walkOps } from "../ir/opAttrs.ts";
import { compileProgram } from "../passes/pipeline.ts";
import { readFixturePrograms } from "../testing/fixturePrograms.ts";
import { makeInputs, maxDifference, runEager, runLowered, type Args } from "../testing/harness.ts";
import type { TensorTree } from "../testing/interpret.ts";
import { deepLoss, type Params } from "./__fixtures__/loopTrain.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = readFixturePrograms(path.join(here, "__fixtures__", "loopTrain.ts"), { rootDir: here, typeCheck: false });
const programNamed = (name: string): Program => fixture.named(name);

const argOf = (args: Args, name: string): TensorTree => args.find((arg) => arg.name === name)?.tree ?? [];

function loops(block: Block): Loop[] {
  return block.filter(isLoop);
}

/** Every op and loop statement of a block, nested ones included. */
function statementCount(block: Block): number {
  return block.reduce((total, statement) => total + (isLoop(statement) ? 1 + statementCount(statement.body) : 1), 0);
}

describe("loops through autodiff", () => {
  it("reads every program without diagnostics", () => {
    expect(fixture.diagnostics()).toEqual([]);
  });

  it("the backward of the layer loop is one reverse loop: the IR has the same size at 1 and at 3 layers", () => {
    const deep = programNamed("deep2d");
    const shallow = programNamed("shallow2d");
    const [forward, reverse] = loops(deep.body);
    expect([forward?.count, reverse?.count]).toEqual([3, 3]);
    expect(loops(deep.body)).toHaveLength(2);
    // the inner loop is run again inside the reverse body, whose own reverse loop is there too
    expect(loops(reverse.body)).toHaveLength(2);
    const withoutParams = (program: Program): number => statementCount(program.body) - [...walkOps(program.body)].filter((op) => op.op === "param").length;
    expect(withoutParams(deep)).toBe(withoutParams(shallow));
    // the per-layer gradients are the reverse loop's yielded items, one per layer
    expect(deep.gradients?.filter((pair) => reverse.yields?.some((entry) => entry.items.includes(pair.gradient)))).toHaveLength(3 * 3);
  });

  it("the forward loop yields what the backward reads; the invariant constant is not among them (hoisted)", () => {
    const deep = programNamed("deep2d");
    const [forward] = loops(deep.body);
    expect(forward.yields?.length).toBeGreaterThan(0);
    expect(forward.body.some((op) => op.op === "full")).toBe(false);
  });

  for (const name of ["deepData", "deep2d", "deep2dLayer", "deep2dSelective", "deepDataLayer"]) {
    it(`${name}: loss and gradients compiled on a 2x2 mesh equal eager valueAndGrad`, async () => {
      const global = programNamed(name);
      const args = makeInputs(global, 11);
      const eager = valueAndGrad(deepLoss)(argOf(args, "p") as unknown as Params, argOf(args, "x") as Tensor<"batch d">);
      const expected = { loss: eager.value, grad: eager.grad };
      expect(maxDifference(await runEager(global, args), expected)).toBeLessThan(1e-5);
      const { result } = await runLowered(compileProgram(global), args);
      expect(maxDifference(result, expected)).toBeLessThan(1e-5);
    });
  }

  it("recompute: \"layer\" saves only each layer's input, \"selective\" also the einsum outputs; both recompute the rest", () => {
    const yielded = (name: string): number => loops(programNamed(name).body)[0].yields?.length ?? 0;
    const recomputed = (name: string): string[] => [...walkOps(programNamed(name).body)].filter((op) => op.phase === "recompute").map((op) => op.op);
    expect(yielded("deep2dLayer")).toBe(1); // h at the start of the layer
    expect(recomputed("deep2dLayer")).toContain("einsum");
    expect(yielded("deep2dSelective")).toBeGreaterThan(yielded("deep2dLayer"));
    expect(recomputed("deep2dSelective")).not.toContain("einsum");
    expect(recomputed("deep2dSelective").length).toBeGreaterThan(0);
    expect(yielded("deep2d")).toBeGreaterThan(yielded("deep2dSelective"));
    expect(recomputed("deep2d").filter((kind) => kind !== "loop")).toEqual(
      // with nothing recomputed by policy, only the inner loop is run again in the reverse body
      [...walkOps(loops(loops(programNamed("deep2d").body)[1].body)[0].body)].map((op) => op.op),
    );
  });
});

describe("explain on recomputing steps", () => {
  const explain = async (name: string): Promise<string> => {
    const { runExplain } = await import("../cli/explain.ts");
    let out = "";
    runExplain([fixture.file], { program: name, json: false, typeCheck: false }, { out: (text) => void (out += text), err: (text) => void (out += text) });
    return out;
  };
  const line = (text: string): RegExpMatchArray | null =>
    /Recomputation: (\d+) ops run again per call, (\d+) FLOPs per device; saved activations (\d+) bytes per device, (\d+) without recomputation \((\d+) saved\)/.exec(text);

  it("reports, for \"layer\" and \"selective\", the ops and FLOPs run again and the activations saved against \"none\"", async () => {
    const layer = line(await explain("deep2dLayer"));
    const selective = line(await explain("deep2dSelective"));
    if (!layer || !selective) throw new Error("no recomputation line");
    const [, layerOps, layerFlops, layerSaved, layerWithout, layerDiff] = layer.map(Number);
    const [, selectiveOps, selectiveFlops, selectiveSaved, selectiveWithout] = selective.map(Number);
    expect(layerWithout).toBe(selectiveWithout);
    expect(layerSaved).toBeLessThan(selectiveSaved);
    expect(selectiveSaved).toBeLessThan(selectiveWithout);
    expect(layerDiff).toBe(layerWithout - layerSaved);
    expect(layerOps).toBeGreaterThan(selectiveOps);
    expect(layerFlops).toBeGreaterThan(selectiveFlops);
    expect(selectiveFlops).toBeGreaterThan(0);
  }, 120_000);

  it("under \"none\" only the loop nested in the layer is run again, and nothing is saved by it", async () => {
    const none = line(await explain("deep2d"));
    if (!none) throw new Error("no recomputation line");
    const [, ops, , saved, without, difference] = none.map(Number);
    // the inner loop (2 iterations of tanh(add)) runs again in each of the 3 reverse iterations
    expect(ops).toBe(3 * 2 * 2);
    expect([saved, difference]).toEqual([without, 0]);
  }, 120_000);
});
