/**
 * The examples through the whole compiler: every program of every example
 * file, forward passes and training steps, lowered and run on a simulated
 * mesh, equals its eager result, and communicates exactly the analytic
 * minimum of its layout that docs/communication.md derives by hand (ratio
 * 1.00): `meshtype explain`'s bytes per device by collective, and the
 * simulated mesh's calls and bytes summed over the devices.
 */
import { beforeAll, describe, expect, test } from "vitest";
import { fileURLToPath } from "node:url";
import { explainProgram } from "../compiler/explain/explainRows.ts";
import { readPrograms } from "../compiler/frontend/frontend.ts";
import { loadProjects } from "../compiler/frontend/loadProject.ts";
import type { Program } from "../compiler/ir/ir.ts";
import { isLoop } from "../compiler/ir/opAttrs.ts";
import { compileProgram } from "../compiler/passes/pipeline.ts";
import { makeInputs, maxDifference, runEager, runLowered, type Args } from "../compiler/testing/harness.ts";
import { adamState } from "../compiler/testing/torch/trainInputs.ts";
import { D as cnnDims } from "./cnn/cnn.ts";
import { D as gptDims, LAYERS } from "./gpt/gpt.ts";
import { D as mlpDims } from "./mlp/mlp.ts";
import { D as moeDims } from "./moe/moe.ts";
import { D as linearDims } from "./train/linear.ts";
import { D as lossDims } from "./train/lossPrograms.ts";

const BYTES = 4;
const files = [
  "mlp/mlp.ts", "gpt/gpt.ts", "moe/moe.ts", "cnn/cnn.ts", "train/gptTrain.ts", "train/moeTrain.ts", "train/linear.ts", "train/lossPrograms.ts",
].map((file) => fileURLToPath(new URL(file, import.meta.url)));
const programs = new Map<string, Program>();

beforeAll(() => {
  for (const loaded of loadProjects(files)) {
    const result = readPrograms(loaded.files, { typeCheck: false });
    expect(result.diagnostics).toEqual([]);
    for (const program of result.programs) programs.set(program.name, program);
  }
}, 180_000);

/** Per device: collective kind -> [calls per call of the program, as the simulated mesh counts them, and payload bytes]. */
type Minimum = Readonly<Record<string, readonly [calls: number, bytes: number]>>;

// ---- the analytic minima of docs/communication.md, from the examples' sizes ----
const mlp = mlpDims.sizes;
const gpt = gptDims.sizes;
const moe = moeDims.sizes;
const cnn = cnnDims.sizes;

/** GPT parameters per device, in elements, when heads, d_ff and vocab are split over `n` devices (docs/communication.md). */
function gptParams(n: number): number {
  const { d_model: m, heads, d_head: dh, d_ff: f, vocab: v, seq: s } = gpt;
  const layer = 2 * 2 * m + (4 * m * heads * dh) / n + (m * f + f) / n + (f * m) / n + m;
  return (v * m) / n + s * m + LAYERS * layer + 2 * m + (m * v) / n;
}
/** The up-projection biases (d_ff, split over `n`): the GPT gradients weight-update sharding cannot split again. */
const gptUnsplittable = (n: number): number => (LAYERS * gpt.d_ff) / n;
/** Forward and backward all-reduces of batch/d x seq x d_model under Megatron: 1 + 2L each way. */
const megatronActivations = (dataSize: number): readonly [number, number] => {
  const count = 2 * (1 + 2 * LAYERS);
  return [count, count * BYTES * (gpt.batch / dataSize) * gpt.seq * gpt.d_model];
};
/** softmaxCrossEntropy over a split vocab: max and sum of batch/d x seq, the label logit (a scalar); over data: the mean (a scalar). */
const vocabLoss = (tokens: number): readonly [number, number] => [3, 2 * BYTES * tokens + BYTES];
const moeParams = 2 * moe.d_model + moe.d_model * moe.experts + 2 * moe.experts * moe.d_model * moe.d_ff;
const linearParams = linearDims.sizes.d_in * linearDims.sizes.d_out + linearDims.sizes.d_out;
const sum = (...entries: (readonly [number, number])[]): readonly [number, number] => [entries.reduce((a, e) => a + e[0], 0), entries.reduce((a, e) => a + e[1], 0)];

const minimum: Readonly<Record<string, Minimum>> = {
  mlpData: {},
  mlpMegatron: { allReduce: [1, BYTES * mlp.batch * mlp.seq * mlp.d_model] },
  mlp2d: { allReduce: [1, BYTES * (mlp.batch / 2) * mlp.seq * mlp.d_model] },
  gptData: {},
  gptMegatron: { allReduce: [1 + 2 * LAYERS, (1 + 2 * LAYERS) * BYTES * gpt.batch * gpt.seq * gpt.d_model] },
  gpt2d: { allReduce: [1 + 2 * LAYERS, (1 + 2 * LAYERS) * BYTES * (gpt.batch / 2) * gpt.seq * gpt.d_model] },
  moeData: {},
  moeExpertParallel: { allToAll: [2, 2 * BYTES * moe.experts * (moe.batch / 4) * moe.capacity * moe.d_model] },
  moeExpertAxis: { allReduce: [9, 8 * BYTES * (moe.batch / 2) * moe.seq + BYTES * (moe.batch / 2) * moe.seq * moe.d_model] },
  cnnData: {},
  // a halo exchange is two collectivePermutes (each conv's halo rows back and forward)
  cnnSpatial: { collectivePermute: [4, 2 * BYTES * cnn.batch * cnn.width * (cnn.c_in + cnn.c_hidden)], allReduce: [1, BYTES * cnn.batch * cnn.classes] },
  cnn2d: { collectivePermute: [4, 2 * BYTES * (cnn.batch / 2) * cnn.width * (cnn.c_in + cnn.c_hidden)], allReduce: [1, BYTES * (cnn.batch / 2) * cnn.classes] },
  gptTrainData: { allReduce: [30, BYTES * gptParams(1) + BYTES] },
  gptTrainDataSharded: { reduceScatter: [29, BYTES * gptParams(1)], allGather: [29, (BYTES * gptParams(1)) / 4], allReduce: [1, BYTES] },
  gptTrainMegatron: { allReduce: sum(megatronActivations(1), vocabLoss(gpt.batch * gpt.seq)) },
  gptTrain2d: { allReduce: sum(megatronActivations(2), vocabLoss((gpt.batch / 2) * gpt.seq), [30, BYTES * gptParams(2) + BYTES]) },
  gptTrain2dSharded: {
    allReduce: sum(megatronActivations(2), vocabLoss((gpt.batch / 2) * gpt.seq), [LAYERS + 1, BYTES * gptUnsplittable(2) + BYTES]),
    reduceScatter: [27, BYTES * (gptParams(2) - gptUnsplittable(2))],
    allGather: [27, (BYTES * (gptParams(2) - gptUnsplittable(2))) / 2],
  },
  moeTrainData: { allReduce: [6, BYTES * moeParams + BYTES] },
  moeTrainExpertAxis: {
    allReduce: sum(
      [9, 8 * BYTES * (moe.batch / 2) * moe.seq + BYTES * (moe.batch / 2) * moe.seq * moe.d_model], // the forward, as moeExpertAxis
      [3, 3 * BYTES * (moe.batch / 2) * moe.seq], // the routing's backward: the two gate cotangents and the softmax's sum
      [2, 2 * BYTES * moe.d_model], // the norm's scale and bias gradients, each over expert and data in one all-reduce
      [3, BYTES * ((moe.d_model * moe.experts) / 2 + (2 * moe.experts * moe.d_model * moe.d_ff) / 2)], // router and expert gradients over data
      [1, BYTES], // the loss over data
    ),
  },
  moeTrainExpertParallel: {
    allToAll: [4, 4 * BYTES * moe.experts * (moe.batch / 4) * moe.capacity * moe.d_model],
    allReduce: [4, BYTES * (2 * moe.d_model + moe.d_model * moe.experts) + BYTES],
  },
  adamData: { allReduce: [3, BYTES * linearParams + BYTES] },
  sgdData: { allReduce: [3, BYTES * linearParams + BYTES] },
  adamDataSharded: { reduceScatter: [2, BYTES * linearParams], allGather: [2, (BYTES * linearParams) / 4], allReduce: [1, BYTES] },
  sgdDataSharded: { reduceScatter: [2, BYTES * linearParams], allGather: [2, (BYTES * linearParams) / 4], allReduce: [1, BYTES] },
  lossVocab: { allReduce: vocabLoss(lossDims.sizes.batch * lossDims.sizes.seq) },
  lossData: { allReduce: [1, BYTES] },
  loss2d: { allReduce: sum(vocabLoss((lossDims.sizes.batch / 2) * lossDims.sizes.seq), [1, BYTES]) },
};

/** Seeded inputs: integers below the vocabulary for token ids, targets and labels; a valid AdamW state (step 0, v > 0). */
function inputsOf(program: Program): Args {
  const names = new Set(program.params.map((param) => param.name));
  const vocab = names.has("ids") ? gpt.vocab : lossDims.sizes.vocab;
  const integers = Object.fromEntries(["ids", "targets", "labels"].filter((name) => names.has(name)).map((name) => [name, vocab]));
  return makeInputs(program, 1, integers).map((arg) => (arg.name === "state" && "v" in arg.tree ? { name: arg.name, tree: adamState(arg.tree) } : arg));
}

describe("every example binding communicates the analytic minimum of its layout (docs/communication.md)", () => {
  test("every program of the example files has a derivation", () => {
    expect([...programs.keys()].sort()).toEqual(Object.keys(minimum).sort());
  });

  for (const [name, expected] of Object.entries(minimum)) {
    test(name, async () => {
      const program = programs.get(name);
      if (program === undefined) throw new Error(`no program ${name}`);
      const lowered = compileProgram(program);
      const devices = lowered.mesh.reduce((product, axis) => product * axis.size, 1);
      const args = inputsOf(program);
      const { result, stats } = await runLowered(lowered, args);
      expect(maxDifference(result, await runEager(program, args))).toBeLessThan(1e-3);
      const table = explainProgram(lowered);
      const perDevice = Object.fromEntries(Object.entries(table.bytesByCollective).filter(([kind]) => kind !== "localSlice"));
      expect(perDevice).toEqual(Object.fromEntries(Object.entries(expected).map(([kind, [, bytes]]) => [kind, bytes])));
      const counted = Object.fromEntries(
        stats.entries().filter((entry) => entry.payloadBytes > 0).reduce((totals, entry) => {
          const [calls, bytes] = totals.get(entry.kind) ?? [0, 0];
          return totals.set(entry.kind, [calls + entry.calls, bytes + entry.payloadBytes]);
        }, new Map<string, [number, number]>()),
      );
      expect(counted).toEqual(Object.fromEntries(Object.entries(expected).map(([kind, [calls, bytes]]) => [kind, [calls * devices, bytes * devices]])));
    });
  }
});

describe("examples/moe", () => {
  test("moeExpertParallel: the expert MLP's einsums run on one expert per device (local experts=1, no batch split)", () => {
    const program = programs.get("moeExpertParallel");
    if (program === undefined) throw new Error("no program moeExpertParallel");
    const lowered = compileProgram(program);
    const expertEinsums = lowered.body.flatMap((statement) => {
      if (isLoop(statement) || statement.op !== "einsum") return [];
      const value = lowered.values.get(statement.output);
      const names = value?.dims.map((dim) => dim.name) ?? [];
      return names.includes("experts") && names.includes("capacity") && !names.includes("seq") ? [value!] : [];
    });
    // the dispatch einsum, then up and down in each expert
    expect(expertEinsums.length).toBe(3);
    const local = (value: (typeof expertEinsums)[number]): Record<string, number> =>
      Object.fromEntries((value.localDims ?? []).map((dim) => [dim.name, dim.size]));
    const [, up, down] = expertEinsums.map(local);
    expect(up).toEqual({ experts: 1, batch: moe.batch, capacity: moe.capacity, d_ff: moe.d_ff });
    expect(down).toEqual({ experts: 1, batch: moe.batch, capacity: moe.capacity, d_model: moe.d_model });
  });
});
