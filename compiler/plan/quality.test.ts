/**
 * The planner's quality: the plans it finds on a DGX A100 node under the cost
 * model (compiler/cost) are the ones the literature finds where they are best.
 */
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { cluster } from "../../dsl/cluster.ts";
import { compileFiles, type CompiledProgram } from "../index.ts";
import type { Program } from "../ir/ir.ts";
import { explainProgram } from "../explain/explainRows.ts";
import { walkOps } from "../ir/opAttrs.ts";
import { optimize } from "../passes/assignShardings/optimize/optimize.ts";
import { loadSolver } from "../passes/assignShardings/optimize/solver.ts";
import { lower } from "../passes/lower/lower.ts";
import { passesWith } from "../passes/pipeline.ts";
import { simulateProgram } from "../simulate/simulate.ts";
import { clusterPlanCosts } from "./planCostModel.ts";
import { searchPlans } from "./search.ts";
import { whyPlan } from "./whyPlan.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../..");
const node = cluster("a100", { nodes: 1 });
const programs = new Map<string, CompiledProgram>();

beforeAll(async () => {
  await loadSolver();
  const files = ["__fixtures__/quality.ts", "__fixtures__/gptQuality.ts"].map((file) => path.join(here, file));
  const examples = ["mlp/mlp.ts", "gpt/gpt.ts", "moe/moe.ts", "cnn/cnn.ts", "train/gptTrain.ts", "train/moeTrain.ts", "train/linear.ts", "train/lossPrograms.ts", "uneven/gptVocab50257.ts", "switch/switch.ts"].map((file) => path.join(repo, "examples", file));
  const result = compileFiles([...files, ...examples], { typeCheck: false });
  expect(result.diagnostics).toEqual([]);
  for (const program of result.files.flatMap((file) => file.programs)) programs.set(program.name, program);
}, 180_000);

function named(name: string): CompiledProgram {
  const found = programs.get(name);
  if (found === undefined) throw new Error(`no program ${name}`);
  return found;
}

describe("the planner finds the plan the literature finds where it is best", () => {
  it("data parallelism for a small model with a large batch on 8 GPUs of a node", () => {
    const result = searchPlans(named("smallMlp").global, { cluster: node, devices: 8 });
    // the best plan (the binding is data parallel too, and ranks first on a tie)
    const best = result.best;
    if (best === undefined) throw new Error("no plan");
    const axis = best.mesh.find((entry) => entry.size === 8)?.name;
    expect(axis).toBeDefined();
    expect(best.layout).toBe(`batch:${axis}`);
    const yours = result.rows.find((row) => row.kind === "yours");
    if (yours === undefined) throw new Error("no binding row");
    expect(best.stepSeconds).toBeLessThanOrEqual(yours.stepSeconds * (1 + 1e-9));
    const why = whyPlan(best, yours, node.device.memoryBytes);
    expect(why[0]).toMatch(new RegExp(`per step against .* for yours \\(${(yours.stepSeconds / best.stepSeconds).toFixed(2)}x faster\\)`));
  }, 120_000);

  it("Megatron-style tensor parallelism (d_ff split) where a replicated 1 G-parameter MLP does not fit in 16 GB", () => {
    const result = searchPlans(named("largeMlp").global, { cluster: node, devices: 8, memoryBytes: 16e9 });
    const yours = result.rows.find((row) => row.kind === "yours");
    expect(yours?.fits).toBe(false);
    const best = result.rows[0];
    expect(best.kind).toBe("plan");
    expect(best.fits).toBe(true);
    expect(best.layout).toMatch(/\bd_ff:/);
    // the explanation says why: the binding does not fit, the plan splits d_ff
    const why = whyPlan(best, yours ?? best, 16e9).join("\n");
    expect(why).toMatch(/yours needs [\d.]+ GB per device, over the 16\.00 GB there is/);
    expect(why).toMatch(/it splits [^\n]*\bd_ff:/);
  }, 120_000);

  it("expert parallelism for a top-2 MoE layer: the experts split over the devices", () => {
    const best = searchPlans(named("moeLayer").global, { cluster: node, devices: 8, meshes: [[{ name: "data", size: 8 }]] }).best;
    expect(best?.layout).toMatch(/\bexperts:data\b/);
  }, 120_000);

  it("sequence parallelism: on 8 GPUs with a batch of 4, layer norms run split along seq, reduce-scatter and all-gather replace most all-reduces, and the step is faster than Megatron-LM's layout", () => {
    const megatron = named("gptStepMegatron");
    let before: Program = { ...megatron.global, layoutSpec: "auto", layout: [], openLayout: true };
    for (const pass of passesWith()) {
      if (pass.name === "assignShardings") break;
      before = pass.run(before);
    }
    const lowered = lower({ ...before, assignment: optimize(before, { costs: clusterPlanCosts(before.mesh, node, "bf16") }) });
    // each layer norm is one fused normalize (stdlib/layerNorm.ts), or, where the plan splits d_model, the sums decompose makes of it
    const normShardings = [...walkOps(lowered.body)].filter((op) => (op.op === "normalize" || op.op === "reduce") && op.loc.file.endsWith("layerNorm.ts")).map((op) => lowered.values.get(op.output)?.sharding?.model);
    expect(normShardings).toContainEqual({ kind: "split", dim: "seq" });
    // Korthikanti et al. 2022: reduce-scatter and all-gather around the seq-split norms where Megatron-LM all-reduces
    const plannedBytes = explainProgram(lowered).bytesByCollective;
    const megatronBytes = explainProgram(megatron.lowered).bytesByCollective;
    expect(plannedBytes.reduceScatter).toBeGreaterThan(0);
    expect(plannedBytes.allGather).toBeGreaterThan(0);
    expect(plannedBytes.allReduce ?? 0).toBeLessThan((megatronBytes.allReduce ?? 0) / 4);
    const planned = simulateProgram(lowered, node, { dtype: "bf16" }).summary.stepSeconds;
    expect(planned).toBeLessThan(simulateProgram(megatron.lowered, node, { dtype: "bf16" }).summary.stepSeconds);
  }, 120_000);
});

// Every forward example binding, and one binding of each training example (the others are the same
// models on the same meshes; `meshtype plan -p <name> --devices <own>` runs any of them).
const checked = [
  "mlpData", "mlpMegatron", "mlp2d", "gptData", "gptMegatron", "gpt2d", "moeData", "moeExpertParallel", "moeExpertAxis", "cnnData", "cnnSpatial", "cnn2d",
  "gptTrainMegatron", "moeTrainExpertParallel", "adamDataSharded", "loss2d",
  // batch over both axes (batch:(data, fsdp)): the ILP splits a dim over one axis, the refinement widens it
  "fsdp2x2", "unevenMegatron", "switchExpertParallel", "switchData",
];

describe("on every example, on its own mesh, the best plan is at least as fast as the hand-written binding", () => {
  it.each(checked)("%s", (name) => {
    const program = named(name);
    const devices = program.global.mesh.reduce((product, axis) => product * axis.size, 1);
    const result = searchPlans(program.global, { cluster: node, devices, meshes: [program.global.mesh] });
    const yours = result.rows.find((row) => row.kind === "yours");
    expect(result.best?.stepSeconds).toBeLessThanOrEqual((yours?.stepSeconds ?? 0) * (1 + 1e-9));
  }, 120_000);
});
