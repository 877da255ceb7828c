/**
 * The pipelined GPT under torch: the stage parts emitted as Python and run
 * with `meshtype_torch.pipeline` on 4 gloo processes (point-to-point
 * isend/recv between stages) equal the eager results: a forward over 2
 * stages with Megatron inside them, and training steps over 2 stages with
 * data parallelism inside (GPipe) and over 4 stages (1F1B). One launch.
 */
import { beforeAll, expect, test } from "vitest";
import { fileURLToPath } from "node:url";
import { tensor } from "meshtype";
import { initAdamWState } from "meshtype/stdlib";
import type { Program } from "../../compiler/ir/ir.ts";
import { compileStaged } from "../../compiler/passes/stages/cutStages.ts";
import { maxDifference } from "../../compiler/testing/harness.ts";
import type { TensorTree } from "../../compiler/testing/interpret.ts";
import { runPipelinedTorch } from "../../compiler/testing/torch/runPipelinedTorch.ts";
import { describeWithTorch } from "../../compiler/testing/torch/torchGuard.ts";
import { D, gpt } from "../gpt/gpt.ts";
import { initGptParams, makeTokenIds } from "../gpt/inputs.ts";
import { gptTrainStep } from "../train/gptTrain.ts";
import { asTree, loadPrograms } from "../train/runSteps.ts";

const ids = makeTokenIds(1);
const params = initGptParams(1);
const targets = tensor(D, "batch seq", ids.data.map((id) => (id + 1) % D.sizes.vocab));
const state = initAdamWState(D, params);

describeWithTorch("pipelined GPT on 4 gloo processes", () => {
  let results = new Map<string, TensorTree>();
  beforeAll(async () => {
    const programs = loadPrograms(fileURLToPath(new URL("gptPipeline.ts", import.meta.url)));
    const program = (name: string): Program => programs.get(name) ?? (() => { throw new Error(`no program ${name}`); })();
    results = await runPipelinedTorch([
      { staged: compileStaged(program("gptPipeMegatron")), args: [ids, params] },
      { staged: compileStaged(program("gptTrainPipeData")), args: [params, state, ids, targets] },
      { staged: compileStaged(program("gptTrainPipe4")), args: [params, state, ids, targets] },
    ], 4);
  }, 600_000);

  test("the forward over 2 stages x Megatron model=2 (GPipe) equals eager", () => {
    expect(maxDifference(results.get("gptPipeMegatron") as TensorTree, gpt(ids, params))).toBeLessThan(1e-4);
  });

  test.each(["gptTrainPipeData", "gptTrainPipe4"])("the training step %s equals the eager step", (name) => {
    const eager = gptTrainStep(params, state, ids, targets);
    const fields = results.get(name) as Readonly<Record<string, TensorTree>>;
    expect(maxDifference(fields.loss, eager.loss)).toBeLessThan(1e-4);
    expect(maxDifference(fields.params, asTree(eager.params))).toBeLessThan(1e-4);
    expect(maxDifference(fields.state, asTree(eager.state))).toBeLessThan(1e-4);
  });
});
