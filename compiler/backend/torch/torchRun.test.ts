/**
 * The generated Python, run for real: every program below is emitted into one
 * module and launched with `python -m torch.distributed.run` as 4 gloo
 * processes on 127.0.0.1; each rank's local result must be its shard of the
 * eager TypeScript result. Needs /usr/bin/python3 with torch (see torchEnv.ts).
 */
import { beforeAll, expect, test } from "vitest";
import { Tensor } from "../../../dsl/tensor.ts";
import { walkOps } from "../../ir/opAttrs.ts";
import type { TensorTree } from "../../testing/interpret.ts";
import { compareRanks } from "../../testing/torch/compareRanks.ts";
import { runTorchPrograms, type TorchRun } from "../../testing/torch/runTorch.ts";
import { dropoutPlans, examplePlans, fixturePlans, haloPlanName, prepareCase, trainingPlans, type TorchPlan, type TorchTestCase } from "../../testing/torch/torchCases.ts";
import { describeWithTorch } from "../../testing/torch/torchGuard.ts";
import { emitTorchModule } from "./emitTorchModule.ts";
import { unevenOperations, unevenPlans } from "../../testing/torch/unevenCases.ts";
import { fusedPlans } from "../../testing/fusedPrograms.ts";

const exampleFiles = ["examples/mlp/mlp.ts", "examples/gpt/gpt.ts", "examples/moe/moe.ts", "examples/cnn/cnn.ts"];
/** The GPT training step (loss, valueAndGrad, AdamW) under 2-D and under data parallel with weight-update sharding. */
const trainFile = "examples/train/gptTrain.ts";
const trainBindings = ["gptTrain2d", "gptTrainDataSharded"];
/** The same step in bfloat16 (float32 master weights and AdamW state), bounded against the eager float32 step. */
const bf16File = "compiler/backend/torch/__fixtures__/bf16Train.ts";
const bf16Bindings = ["gptTrain2dBf16", "gptTrainDataShardedBf16"];
/** bf16 has an 8-bit mantissa (a relative step of 2^-8 = 0.4%): the loss and the updated params may differ by that much, scaled. */
const bf16Tolerance = { absolute: 2e-3, relative: 2e-2 };
/** The GPT at vocab 50257 with 3 heads (uneven splits) and a batch over (data, fsdp): forward and training step. */
const unevenFile = "examples/uneven/gptVocab50257.ts";
const unevenForward = ["uneven2d", "unevenMegatron4", "fsdp2x2"];
const unevenTraining = ["unevenTrain2d", "fsdpTrain"];

describeWithTorch("torch back end on 4 gloo processes", () => {
  const fixtures = fixturePlans();
  const examples = new Map<string, TorchPlan[]>();
  const training = trainingPlans(trainFile, trainBindings);
  const dropouts = dropoutPlans();
  const fused = fusedPlans();
  const bf16 = trainingPlans(bf16File, bf16Bindings);
  const uneven = [
    ...unevenPlans(),
    ...[...examplePlans(unevenFile).filter((plan) => unevenForward.includes(plan.global.name)), ...trainingPlans(unevenFile, unevenTraining)]
      .map((plan) => ({ ...plan, name: `example_${plan.global.name}` })),
  ];
  const cases = new Map<string, TorchTestCase>();
  let run: TorchRun;

  beforeAll(async () => {
    for (const file of exampleFiles) examples.set(file, examplePlans(file));
    for (const plan of [...fixtures, ...[...examples.values()].flat(), ...training, ...bf16, ...uneven, ...dropouts, ...fused]) cases.set(plan.name, await prepareCase(plan));
    run = await runTorchPrograms([...cases.values()]);
    console.log(`torch: ${cases.size} programs on 4 gloo processes in one launch: ${run.seconds.toFixed(1)} s`);
  }, 600_000);

  function expectRanksMatch(name: string): void {
    const testCase = cases.get(name);
    const ranks = run.ranks.get(name);
    if (!testCase || !ranks) throw new Error(`no torch result for "${name}"`);
    const { problems } = compareRanks(testCase.program, ranks, testCase.expected);
    expect(problems, `${testCase.title} as ${name}`).toEqual([]);
  }

  function leafPaths(tree: TensorTree, prefix = ""): string[] {
    if (tree instanceof Tensor) return [prefix];
    return Object.entries(tree).flatMap(([key, item]) => leafPaths(item as TensorTree, prefix ? `${prefix}.${key}` : key));
  }

  test("the programs use every collective (all-reduce, all-gather, reduce-scatter, all-to-all, local slice) on both mesh axes", () => {
    const used = new Set<string>();
    for (const { program } of cases.values()) for (const op of walkOps(program.body)) if ("axis" in op) used.add(`${op.op}@${op.axis}`);
    for (const kind of ["allReduce", "allGather", "reduceScatter", "allToAll", "localSlice"]) {
      expect(used, kind).toContain(`${kind}@data`);
      expect(used, kind).toContain(`${kind}@model`);
    }
  });

  test("conv2d and halo exchanges run: along both axes of the 2x2 mesh and in the cnn examples", () => {
    const halos = new Set<string>();
    for (const { program } of cases.values()) for (const op of walkOps(program.body)) if (op.op === "haloExchange") halos.add(`${program.name}@${op.axis}`);
    for (const name of [`${haloPlanName}@data`, "convNet_2x2_0@data", "convNet_2x2_0@model", "example_cnnSpatial@space", "example_cnn2d@space"]) expect(halos).toContain(name);
  });

  test("halo direction: each rank of a height-split conv gets the last row of the rank before and the first row of the rank after", () => {
    // The result is split in height, 2 rows a rank: row 0 of ranks 1-3 reads the last row of the rank before and row 1
    // of ranks 0-2 the first row of the rank after, so a flipped exchange (rows sent the wrong way, or put on the wrong
    // side of the block) breaks every rank.
    expectRanksMatch(haloPlanName);
  });

  test.each(fixtures.map((plan) => [plan.name, plan.global.layoutSpec] as const))("%s (layout \"%s\"): every rank holds its shard of the eager result", (name) => {
    expectRanksMatch(name);
  });

  test.each(exampleFiles)("%s: every program, every rank holds its shard of the eager result", (file) => {
    const plans = examples.get(file) ?? [];
    expect(plans.length, `programs found in ${file}`).toBeGreaterThan(0);
    for (const plan of plans) expectRanksMatch(plan.name);
  });

  test.each(trainBindings)(`${trainFile} %s: one training step, every rank's params, AdamW state and loss equal the eager step`, (binding) => {
    const plan = training.find((item) => item.global.name === binding);
    if (!plan) throw new Error(`no plan for ${binding}`);
    const testCase = cases.get(plan.name);
    if (!testCase) throw new Error(`no case for ${plan.name}`);
    // the comparison covers params, state (step, m, v) and loss, and the step moved the params
    const expected = testCase.expected as Record<string, TensorTree>;
    expect(Object.keys(expected).sort()).toEqual(["loss", "params", "state"]);
    expect(leafPaths(expected.state).some((leaf) => leaf.startsWith("v."))).toBe(true);
    const before = testCase.args.find((arg) => arg.name === "params")?.tree as TensorTree;
    const moved = leafPaths(expected.params).filter((leaf) => {
      const pick = (tree: TensorTree): Tensor<string> => leaf.split(".").reduce((node, key) => (node as Record<string, TensorTree>)[key], tree) as Tensor<string>;
      return pick(expected.params).data.some((value, index) => value !== pick(before).data[index]);
    });
    expect(moved.length, "params the eager step changed").toBeGreaterThan(0);
    expectRanksMatch(plan.name);
  });

  test.each(["dropout_megatron", "dropout_twoAxes"])("%s: the seeded dropout masks (mt.dropout over each rank's block) and their gradients equal eager", (name) => {
    expect(dropouts.map((plan) => plan.name)).toContain(name);
    expect([...walkOps((cases.get(name) as TorchTestCase).program.body)].some((op) => op.op === "dropout")).toBe(true);
    expectRanksMatch(name);
  });

  test.each(fused.map((plan) => [plan.name, plan.global.layoutSpec] as const))("%s (layout \"%s\"): the fused norm and GELU-backward kernels, or their decomposition over a split dim, equal eager", (name) => {
    const testCase = cases.get(name) as TorchTestCase;
    const text = emitTorchModule([testCase.program], "fusedOps.ts");
    const kinds = new Set([...walkOps(testCase.program.body)].map((op) => op.op));
    expect(text).toContain("torch.ops.aten.gelu_backward(");
    // the norm over seq (not the last dim) moves it last for torch's kernel, wherever seq is whole
    if (!testCase.program.layoutSpec.includes("seq:")) expect(text).toMatch(/torch\.native_layer_norm\(x\.movedim\(1, -1\), \[\d\], None, None, 0\.1\)\[0\]\.movedim\(-1, 1\)/);
    if (testCase.program.layoutSpec.includes("d_model:")) expect(kinds.has("normalizeGrad")).toBe(false);
    else expect(text).toContain("torch.ops.aten.native_layer_norm_backward(");
    expectRanksMatch(name);
  });

  test.each(trainBindings)("%s: the training step's layer norms and GELU run as torch's fused forward and backward kernels", (binding) => {
    const step = cases.get(`example_${binding}`);
    if (!step) throw new Error(`no case for example_${binding}`);
    const text = emitTorchModule([step.program], trainFile);
    // the layer loop's body is emitted once: its 2 norms and the final norm, each forward (native_layer_norm) and
    // backward (native_layer_norm_backward, with a native_layer_norm for mean and rstd); the MLP's GELU backward
    const count = (pattern: string): number => text.split(pattern).length - 1;
    expect(count("torch.native_layer_norm(")).toBe(6);
    expect(count("torch.ops.aten.native_layer_norm_backward(")).toBe(3);
    expect(count("torch.ops.aten.gelu_backward(")).toBe(1);
    expect(text).not.toContain("torch.rsqrt(");
    expect(text).not.toContain("torch.tanh(");
    expectRanksMatch(`example_${binding}`);
  });

  test.each(bf16Bindings)("%s: one bfloat16 training step is within bf16 rounding of the eager float32 step, and not the float32 numbers", (binding) => {
    const plan = bf16.find((item) => item.global.name === binding);
    const testCase = plan && cases.get(plan.name);
    const ranks = plan && run.ranks.get(plan.name);
    if (!testCase || !ranks) throw new Error(`no torch result for ${binding}`);
    expect(testCase.program.dtype).toBe("bf16");
    const bounded = compareRanks(testCase.program, ranks, testCase.expected, bf16Tolerance);
    expect(bounded.problems, `${binding} within ${JSON.stringify(bf16Tolerance)} of eager float32`).toEqual([]);
    // float32 arithmetic would agree to ~1e-6: a larger difference shows the step computed in bfloat16
    expect(bounded.worst).toBeGreaterThan(1e-4);
    const loss = ranks.map((rank) => (rank as Record<string, Tensor<string>>).loss.data[0]);
    const eagerLoss = (testCase.expected as Record<string, Tensor<string>>).loss.data[0];
    expect(Math.abs(loss[0] - eagerLoss)).toBeLessThan(1e-2 * Math.abs(eagerLoss));
  });

  test.each(uneven.map((plan) => [plan.name, plan.global.layoutSpec] as const))("%s (layout \"%s\", several axes or uneven): every rank holds its shard of the eager result", (name) => {
    expectRanksMatch(name);
  }, 180_000); // the batch:(data, fsdp) step compares 4 ranks' whole AdamW state at vocab 50257 (4.5 s here, 95 s once on busy shared cores)

  test("the uneven programs use every collective's padding options, the padding masks and an all-reduce over several axes", () => {
    const used = new Set(uneven.flatMap((plan) => [...unevenOperations(cases.get(plan.name)?.program ?? plan.global)]));
    for (const kind of ["allGather+size", "reduceScatter+pad", "allToAll+pad+size", "localSlice+pad", "maskPadding", "allReduce+axes"]) expect(used, kind).toContain(kind);
  });

  test("the embedding, the target logit and the embedding gradient are a lookup, a gather and a scatter-add of this rank's ids: no whole-vocabulary one-hot", () => {
    const step = cases.get("example_gptTrain2d");
    if (!step) throw new Error("no case for example_gptTrain2d");
    const text = emitTorchModule([step.program], trainFile);
    // vocab:model on data=2 x model=2: each rank's block of 16 of the 32 ids starts at its model coordinate x 16
    expect(text).toContain('mt.lookup(params_embedding_table, 0, ids, mesh.coords["model"] * 16, 32)');
    expect(text).toMatch(/mt\.pick\(\w+, 2, targets, mesh\.coords\["model"\] \* 16, 32\)/);
    expect(text).toMatch(/mt\.scatter_add\(\w+, ids, mesh\.coords\["model"\] \* 16, 16, 32\)/);
    expect(text).not.toContain("== torch.arange(32");
  });

  test("gradient buckets: each layer's 12 gradients are all-reduced (2-D) or reduce-scattered (weight-update sharded) over data in one call, and those outside the layers too; the updated shards are all-gathered in one call", () => {
    // each bucket's call, or the wait of one started earlier (collectiveSchedule.ts), in line order
    const buckets = (name: string, overlap: boolean): (string | undefined)[] => {
      const step = cases.get(name);
      if (!step) throw new Error(`no case for ${name}`);
      return emitTorchModule([step.program], { sourceFile: trainFile, overlap }).split("\n").filter((line) => /_many\(|\.wait\(\)/.test(line)).map((line) => line.match(/# (\d+) (\w+?)s? over "(\w+)"/)?.slice(1).join(" "));
    };
    expect(buckets("example_gptTrain2d", false)).toEqual(["6 allReduce data", "12 allReduce data"]);
    expect(buckets("example_gptTrainDataSharded", false)).toEqual(["5 reduceScatter data", "12 reduceScatter data", "12 allGather data", "5 allGather data"]);
    // overlapped: the 4 gradients ready before the backward loop are one bucket started before it, the 2 computed after it one synchronous call
    expect(buckets("example_gptTrain2d", true)).toEqual(["4 allReduce data", "2 allReduce data", "12 allReduce data"]);
    expect(buckets("example_gptTrainDataSharded", true)).toEqual(["3 reduceScatter data", "2 reduceScatter data", "12 reduceScatter data", "12 allGather data", "5 allGather data", "1 allReduce data"]);
  });

  test.each(trainBindings)("%s: the AdamW update runs as torch._foreach_* calls over the leaves, with no x * 1 and no einsum with ones, and the step equals eager", (binding) => {
    const step = cases.get(`example_${binding}`);
    if (!step) throw new Error(`no case for example_${binding}`);
    const text = emitTorchModule([step.program], trainFile);
    // inside the loop over layers: one sqrt of the second moment for each of a layer's 12 leaves, in one call
    expect(text).toMatch(/ = torch\._foreach_sqrt\(\[(\w+, ){11}\w+\]\)/);
    expect(text).toMatch(/ = torch\._foreach_div\(\[(\w+, ){11}\w+\], \[(rootCorrection, ){11}rootCorrection\]\)/);
    expect(text).not.toMatch(/ = \w+ \* 1 {2}#/);
    expect(text).not.toMatch(/torch\.full\([^)]*\), 1, /);
    expectRanksMatch(step.program.name);
  });

  test("the weight-update-sharded training step reduce-scatters gradients and all-gathers weights over data", () => {
    const sharded = cases.get("example_gptTrainDataSharded");
    if (!sharded) throw new Error("no case for example_gptTrainDataSharded");
    const used = new Set<string>();
    for (const op of walkOps(sharded.program.body)) if ("axis" in op) used.add(`${op.op}@${op.axis}`);
    expect(used).toContain("reduceScatter@data");
    expect(used).toContain("allGather@data");
  });
});
