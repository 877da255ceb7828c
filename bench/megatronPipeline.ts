/**
 * Megatron-LM's pipelined GPT runs (bench/plan/megatronTable1.ts: SC21
 * Table 1, 39.1B to 1T parameters on 512 to 3,072 A100s, tensor 8 x pipeline
 * 2 to 64) at real size, on the cost model:
 *
 * - predicted: Megatron-LM's configuration as published (tensor 8 inside a
 *   node, d-way data parallel inside each stage, p stages of l/p layers,
 *   1F1B, micro-batch 1, activation recomputation, its layout) simulated as a
 *   pipeline schedule (compiler/simulate/pipelineSchedule.ts), each stage's
 *   costs from a 2-layer proxy of the model at the real width, built and
 *   simulated on the stage mesh (compiler/plan/pipelineCosts.ts; the layers
 *   are identical, so this is exact for the per-layer costs); the throughput
 *   is their equation 3's FLOPs over the simulated step;
 * - plan: `meshtype plan`'s pipeline search (compiler/plan/pipelineSearch.ts)
 *   on the same GPUs and cost model, each stage mesh planned by Planner II
 *   (the ILP), over the stage counts p and 2p, the stage's model axis 8
 *   inside a node and its data axis the rest, micro-batches of 1 or 2
 *   sequences per data replica, with its search time (one Planner II search
 *   per stage mesh takes about two minutes on the shared 2-core machine, so
 *   the bench narrows the search; `meshtype plan` searches every divisor);
 *   as `meshtype plan` builds the binding's own layout on each stage mesh
 *   besides the searched one, the search builds Megatron-LM's layout too. The search's layout is planned once per stage mesh and
 *   built for the other micro-batch size (`reuseLayout`), to keep the bench
 *   affordable on a 2-core machine.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { cluster } from "../dsl/cluster.ts";
import type { MeshAxis } from "../dsl/mesh.ts";
import { formatDiagnostic } from "../compiler/diagnostics/diagnostic.ts";
import { compileFiles } from "../compiler/index.ts";
import { loadSolver } from "../compiler/passes/assignShardings/optimize/solver.ts";
import { pipelineMemoryLimit, stageOracle } from "../compiler/plan/pipelineCosts.ts";
import { searchPipelines, stageCostOf, type PipelinePlan } from "../compiler/plan/pipelineSearch.ts";
import { formatMesh } from "../compiler/plan/meshShapes.ts";
import { pipelineLinkSeconds, simulatePipeline } from "../compiler/simulate/pipelineSchedule.ts";
import { megatronFlops, megatronPipelinedRuns, megatronProxySource, type MegatronRun } from "./plan/megatronTable1.ts";
import type { BenchSection } from "./run.ts";

const root = resolve(import.meta.dirname, "..");
const megatronLayout = "batch:data, heads:model, d_ff:model, vocab:model";

function proxyProgram(run: MegatronRun, batch: number) {
  const folder = join(root, ".bench-tmp", "megatron");
  mkdirSync(folder, { recursive: true });
  const file = join(folder, `gpt${run.billions}B.ts`);
  writeFileSync(file, megatronProxySource(run, batch));
  const result = compileFiles([file], { typeCheck: false, rootDir: root });
  if (result.diagnostics.length > 0) throw new Error(result.diagnostics.map(formatDiagnostic).join("\n"));
  return result.files[0].programs[0].global;
}

const tflops = (run: MegatronRun, seconds: number): number => megatronFlops(run) / (seconds * run.gpus) / 1e12;

/** The bench section. */
export const megatronPipelineSection: BenchSection = {
  name: "megatron pipeline",
  description:
    "Megatron-LM's pipelined GPT runs (Narayanan et al., SC21, arXiv:2104.04473, Table 1: 39.1B to 1T parameters, 512 to 3,072 A100s, tensor 8 x pipeline 2 to 64) at real size: predicted TFLOP/s per GPU of the published configuration (1F1B, micro-batch 1, recomputation) against the published figure (goal within 10%), and the pipelined plan meshtype plan's search finds on the same GPUs and cost model (goal: at least as fast) with its search time. Progress on stderr.",
  run: async () => {
    await loadSolver();
    const lines = [
      "| model | GPUs | batch | published config | published TFLOP/s/GPU | predicted step | predicted TFLOP/s/GPU | miss | peak memory | bubble | search (s) | stage plans | best plan found | step | TFLOP/s/GPU | vs published config |",
      "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |",
    ];
    // MESHTYPE_MEGATRON_ROWS=39.1,1008 runs those rows only
    const only = process.env.MESHTYPE_MEGATRON_ROWS?.split(",").map(Number);
    for (const run of megatronPipelinedRuns.filter((entry) => only === undefined || only.includes(entry.billions))) {
      const started = performance.now();
      const data = run.gpus / (run.tensor * run.pipeline);
      const microbatches = run.batch / data;
      const nodes = cluster("a100", { nodes: run.gpus / 8 });
      const global = proxyProgram(run, data);
      process.stderr.write(`megatron ${run.billions}B: proxy built in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
      const stageMesh: MeshAxis[] = [{ name: "data", size: data }, { name: "model", size: run.tensor }];
      const fixed = stageOracle(global, { cluster: nodes, layout: { layout: megatronLayout }, simulation: { recompute: "full" } });
      const costs = fixed(stageMesh, data)[0];
      if (costs === undefined) throw new Error(`megatron ${run.billions}B: the published layout does not build on ${formatMesh(stageMesh)}`);
      const perStage = run.layers / run.pipeline;
      const stageDevices = data * run.tensor;
      const published = simulatePipeline({
        schedule: "1f1b", microbatches,
        stages: Array.from({ length: run.pipeline }, (_, stage) => stageCostOf(costs, perStage, stage === 0, stage === run.pipeline - 1, costs.workingBytes)),
        forwardTransferSeconds: Array.from({ length: run.pipeline - 1 }, (_, boundary) => pipelineLinkSeconds(costs.boundaryBytes, boundary, stageDevices, nodes)),
      });
      const predicted = tflops(run, published.stepSeconds);
      const miss = predicted / run.teraflopsPerGpu - 1;
      // meshtype plan's pipeline search on the same GPUs
      const searchStarted = performance.now();
      // the published stage count and twice it; tensor 8 inside a node; 1 or 2 sequences per data replica per micro-batch
      const stageCounts = [run.pipeline, 2 * run.pipeline].filter((count) => count <= run.layers && run.gpus % (count * 8) === 0);
      const microbatchCounts = [...new Set(stageCounts.flatMap((count) => [1, 2].map((perReplica) => run.batch / ((run.gpus / count / 8) * perReplica))))].filter((count) => Number.isInteger(count));
      const search = searchPipelines({
        cluster: nodes, devices: run.gpus, layers: run.layers, batch: run.batch, memoryBytes: nodes.device.memoryBytes, peakFlops: nodes.device.peakFlops.bf16,
        oracle: stageOracle(global, { cluster: nodes, simulation: { recompute: "full" }, reuseLayout: true, buildBudget: 2, alsoLayouts: [{ layout: megatronLayout }], memoryLimit: pipelineMemoryLimit(nodes.device.memoryBytes, 2, run.layers, run.gpus) }),
        stageCounts, microbatchCounts,
        stageMeshes: (devices) => [[{ name: "data", size: devices / 8 }, { name: "model", size: 8 }].filter((axis) => axis.size > 1)],
        progress: (line) => process.stderr.write(`megatron ${run.billions}B: ${line}\n`),
      });
      const searchSeconds = (performance.now() - searchStarted) / 1000;
      const best: PipelinePlan | undefined = search.plans.find((plan) => plan.fits) ?? search.plans[0];
      const describe = best === undefined ? ["-", "-", "-", "-"] : [
        `${formatMesh(best.mesh)}, ${best.microbatches} micro-batches, \`${best.layout}\`${best.weightUpdateSharding ? `, update over ${best.weightUpdateSharding}` : ""}${best.fits ? "" : " (over memory)"}`,
        `${best.stepSeconds.toFixed(2)} s`, tflops(run, best.stepSeconds).toFixed(1), `${(published.stepSeconds / best.stepSeconds).toFixed(2)}x`,
      ];
      lines.push(`| ${run.billions}B | ${run.gpus} | ${run.batch} | t${run.tensor} p${run.pipeline} d${data}, ${microbatches} micro-batches | ${run.teraflopsPerGpu} | ${published.stepSeconds.toFixed(2)} s | ${predicted.toFixed(1)} | ${(100 * miss).toFixed(1)}% | ${(published.peakBytes / 1e9).toFixed(1)} GB | ${(100 * published.bubbleFraction).toFixed(1)}% | ${searchSeconds.toFixed(1)} | ${search.stagePlans} | ${describe.join(" | ")} |`);
      process.stderr.write(`${lines[lines.length - 1]}\n`);
    }
    lines.push("", "miss: predicted / published - 1. vs published config: the published configuration's simulated step over the plan's (above 1: the plan is faster under the same cost model).");
    return lines;
  },
};
