/**
 * The pipelined GPT of examples/pipeline on the simulated mesh: forward
 * passes and training steps, over 2 and 4 stages, with and without data and
 * tensor splits inside the stages, under both schedules, equal the eager
 * results; the point-to-point bytes are the activations (and, in training,
 * their gradients) crossing each stage boundary, once per micro-batch.
 */
import { beforeAll, describe, expect, test } from "vitest";
import { fileURLToPath } from "node:url";
import { tensor } from "meshtype";
import { initAdamWState } from "meshtype/stdlib";
import type { Program } from "../../compiler/ir/ir.ts";
import { compileStaged } from "../../compiler/passes/stages/cutStages.ts";
import { pipelinedMeta } from "../../compiler/passes/stages/pipelinedMeta.ts";
import { interpretedParts } from "../../compiler/testing/pipelined.ts";
import { maxDifference } from "../../compiler/testing/harness.ts";
import type { TensorTree } from "../../compiler/testing/interpret.ts";
import { runPipelined } from "../../dsl/runtime/runPipelined.ts";
import { D, gpt } from "../gpt/gpt.ts";
import { initGptParams, makeTokenIds } from "../gpt/inputs.ts";
import { gptTrainStep } from "../train/gptTrain.ts";
import { asTree, loadPrograms } from "../train/runSteps.ts";

let programs = new Map<string, Program>();
beforeAll(() => {
  programs = loadPrograms(fileURLToPath(new URL("gptPipeline.ts", import.meta.url)));
}, 240_000);

/** The program `name`, under `schedule`. */
function program(name: string, schedule: "gpipe" | "1f1b"): Program {
  const found = programs.get(name);
  if (found?.pipeline === undefined) throw new Error(`no pipelined program ${name}; found ${[...programs.keys()].join(", ")}`);
  return { ...found, pipeline: { ...found.pipeline, schedule } };
}

async function run(name: string, schedule: "gpipe" | "1f1b", ...args: unknown[]): Promise<{ result: TensorTree; sent: number }> {
  const staged = compileStaged(program(name, schedule));
  const { result, stats } = await runPipelined(interpretedParts(staged), pipelinedMeta(staged), ...args);
  return { result, sent: stats.get("send").payloadBytes };
}

const ids = makeTokenIds(0);
const params = initGptParams(0);
/** Bytes of one batch x seq x d_model activation (fp32). */
const activation = 4 * D.sizes.batch * D.sizes.seq * D.sizes.d_model;

describe("a pipelined GPT forward equals the eager forward", () => {
  const eager = gpt(ids, params);
  test.each([
    // name, schedule, stage boundaries crossed, copies of the activation sent per boundary (replicas inside a stage)
    ["gptPipe2", "1f1b", 1, 1],
    ["gptPipe2", "gpipe", 1, 1],
    ["gptPipe4", "gpipe", 3, 1],
    ["gptPipeData", "1f1b", 1, 1],
    ["gptPipeMegatron", "gpipe", 1, 2],
  ] as const)("%s (%s)", async (name, schedule, boundaries, copies) => {
    const { result, sent } = await run(name, schedule, ids, params);
    expect(maxDifference(result, eager)).toBeLessThan(1e-5);
    expect(sent).toBe(boundaries * copies * activation);
  });
});

describe("a pipelined GPT training step equals the eager step", () => {
  const targets = tensor(D, "batch seq", ids.data.map((id) => (id + 1) % D.sizes.vocab));
  const state = initAdamWState(D, params);
  const eager = gptTrainStep(params, state, ids, targets);
  test.each([
    // name, schedule, stage boundaries, copies per boundary: each boundary carries the activation forward and its gradient back
    ["gptTrainPipe2", "1f1b", 1, 1],
    ["gptTrainPipe2", "gpipe", 1, 1],
    ["gptTrainPipe4", "1f1b", 3, 1],
    ["gptTrainPipeData", "gpipe", 1, 1],
    ["gptTrainPipeMegatron", "1f1b", 1, 2],
  ] as const)("%s (%s)", async (name, schedule, boundaries, copies) => {
    const { result, sent } = await run(name, schedule, params, state, ids, targets);
    const fields = result as Readonly<Record<string, TensorTree>>;
    expect(maxDifference(fields.loss, eager.loss)).toBeLessThan(1e-5);
    expect(maxDifference(fields.params, asTree(eager.params))).toBeLessThan(1e-5);
    expect(maxDifference(fields.state, asTree(eager.state))).toBeLessThan(1e-5);
    expect(sent).toBe(2 * boundaries * copies * activation);
  }, 60_000);
});
