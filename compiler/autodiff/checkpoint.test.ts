/**
 * `checkpoint(f)`: per-call activation recomputation, like `jax.checkpoint`.
 * The backward of a checkpointed call reads none of the values the call
 * computed: it runs the call's ops again (`phase: "recompute"`) from its
 * inputs, at the top level of the loss and in the body of a kept layer loop
 * (where the rest of the body is still saved); compiled steps equal eager
 * valueAndGrad; explain reports the ops run again and the activations saved
 * against the same step with nothing recomputed.
 */
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkpoint, valueAndGrad } from "../../dsl/autodiff/grad.ts";
import type { Tensor } from "../../dsl/tensor.ts";
import type { Block, Loop, Op, Program } from "../ir/ir.ts";
import { isLoop, walkOps } from "../ir/opAttrs.ts";
import { compileProgram } from "../passes/pipeline.ts";
import { readFixturePrograms } from "../testing/fixturePrograms.ts";
import { makeInputs, maxDifference, runEager, runLowered, type Args } from "../testing/harness.ts";
import type { TensorTree } from "../testing/interpret.ts";
import { loopLoss, mlp, topLoss, type LoopParams, type TopParams } from "./__fixtures__/checkpointTrain.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = readFixturePrograms(path.join(here, "__fixtures__", "checkpointTrain.ts"), { rootDir: here, typeCheck: false });
const programNamed = (name: string): Program => fixture.named(name);

const argOf = (args: Args, name: string): TensorTree => args.find((arg) => arg.name === name)?.tree ?? [];
const recomputed = (block: Block): Op[] => [...walkOps(block)].filter((op) => op.phase === "recompute");
const loops = (block: Block): Loop[] => block.filter(isLoop);

describe("checkpoint(f)", () => {
  it("is f itself eagerly", () => {
    expect(checkpoint(mlp)).toBe(mlp);
  });

  it("reads every program without diagnostics", () => {
    expect(fixture.diagnostics()).toEqual([]);
    expect(fixture.front.programs.map((program) => program.name).sort()).toEqual(["loop2d", "loop2dLayer", "top2d", "topSaved2d"]);
  });

  const cases: readonly [string, (args: Args) => { loss: Tensor<"">; grad: unknown }][] = [
    ["top2d", (args) => {
      const { value, grad } = valueAndGrad(topLoss)(argOf(args, "p") as unknown as TopParams, argOf(args, "x") as Tensor<"batch d">);
      return { loss: value, grad: grad.first };
    }],
    ["loop2d", (args) => {
      const { value, grad } = valueAndGrad(loopLoss)(argOf(args, "p") as unknown as LoopParams, argOf(args, "x") as Tensor<"batch d">);
      return { loss: value, grad: grad.layers };
    }],
    ["loop2dLayer", (args) => {
      const { value, grad } = valueAndGrad(loopLoss)(argOf(args, "p") as unknown as LoopParams, argOf(args, "x") as Tensor<"batch d">);
      return { loss: value, grad: grad.layers };
    }],
  ];
  for (const [name, eager] of cases) {
    it(`${name}: loss and gradients compiled on a 2x2 mesh equal eager valueAndGrad`, async () => {
      const global = programNamed(name);
      const args = makeInputs(global, 5);
      const expected = eager(args);
      expect(maxDifference(await runEager(global, args), expected as TensorTree)).toBeLessThan(1e-5);
      const { result } = await runLowered(compileProgram(global), args);
      expect(maxDifference(result, expected as TensorTree)).toBeLessThan(1e-5);
    });
  }

  it("at the top level: the checkpointed block's ops run again in the backward, and no op of the other block does", () => {
    const top = programNamed("top2d");
    const again = recomputed(top.body);
    // the backward of the first block's last einsum reads `up`: its ops, from the block's input, run again;
    // the last einsum and the residual add are read by no rule, so they are not
    expect(again.map((op) => ("fn" in op ? op.fn : op.op))).toEqual(["add", "tanh", "einsum", "gelu"]);
    expect(recomputed(programNamed("topSaved2d").body)).toEqual([]);
    // every recomputed op stands for a forward op of the first block, at its source line
    const forwardLines = new Set([...walkOps(top.body)].filter((op) => op.phase === "forward").map((op) => op.loc.line));
    for (const op of again) expect(forwardLines.has(op.loc.line)).toBe(true);
    // the recomputation comes after the forward: in the body, every recomputed op follows the loss's last forward op
    const order = top.body.filter((statement): statement is Op => !isLoop(statement));
    const lastForward = order.map((op) => op.phase).lastIndexOf("forward");
    expect(order.findIndex((op) => op.phase === "recompute")).toBeGreaterThan(lastForward);
  });

  it("in a layer loop under recompute \"none\": the block's ops run again in the reverse loop, the rest of the body is saved", () => {
    const loop = programNamed("loop2d");
    const [forward, reverse] = loops(loop.body);
    const again = recomputed(reverse.body);
    expect(again.filter((op) => op.op === "einsum")).toHaveLength(2);
    // the mul by layer.s and the tanh after it are outside the block: saved, not recomputed
    const outside = new Set([...walkOps(forward.body)].filter((op) => op.op === "binary" && op.fn === "mul").map((op) => op.loc.line));
    expect(outside.size).toBeGreaterThan(0);
    for (const op of again) expect(outside.has(op.loc.line)).toBe(false);
    // "layer" recomputes the whole body: the mul too, and it saves less
    const layer = loops(programNamed("loop2dLayer").body);
    expect(recomputed(layer[1].body).some((op) => op.op === "binary" && op.fn === "mul")).toBe(true);
    expect(layer[0].yields?.length ?? 0).toBeLessThan(forward.yields?.length ?? 0);
  });
});

describe("explain on checkpointed steps", () => {
  const explain = async (name: string): Promise<string> => {
    const { runExplain } = await import("../cli/explain.ts");
    let out = "";
    runExplain([fixture.file], { program: name, json: false, typeCheck: false }, { out: (text) => void (out += text), err: (text) => void (out += text) });
    return out;
  };
  const recomputation = (text: string): number[] => {
    const match = /Recomputation: (\d+) ops run again per call, (\d+) FLOPs per device; saved activations (\d+) bytes per device, (\d+) without recomputation \((\d+) saved\)/.exec(text);
    if (!match) throw new Error(`no recomputation line in:\n${text}`);
    return match.slice(1).map(Number);
  };
  const savedActivations = (text: string): number => {
    const match = /saved activations (\d+)/.exec(text);
    if (!match) throw new Error(`no training memory line in:\n${text}`);
    return Number(match[1]);
  };

  it("reports the block's ops run again, and its saved activations against the same step without checkpoint", async () => {
    const [ops, flops, saved, without, difference] = recomputation(await explain("top2d"));
    expect(ops).toBe(4);
    expect(flops).toBeGreaterThan(0);
    expect(saved).toBeLessThan(without);
    expect(difference).toBe(without - saved);
    // "without" is the step with checkpoint(f) as plain f: what the same loss written without it saves
    expect(without).toBe(savedActivations(await explain("topSaved2d")));
  }, 120_000);

  it("in a layer loop, saves less than the loop without recomputation and more than recompute \"layer\"", async () => {
    const [, , saved, without] = recomputation(await explain("loop2d"));
    const [, , layerSaved, layerWithout] = recomputation(await explain("loop2dLayer"));
    expect(without).toBe(layerWithout);
    expect(saved).toBeLessThan(without);
    expect(layerSaved).toBeLessThan(saved);
  }, 120_000);
});
