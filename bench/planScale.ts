/**
 * The planner at scale: `meshtype plan`'s search (compiler/plan/search.ts)
 * on one training step of GPT-3 175B (bench/plan/gpt3.ts: 96 layers,
 * d_model 12288, batch 1536, AdamW, bf16) on 64, 512 and 1,024 A100s (DGX
 * nodes of 8). For each device count it prints the search time, the ILP's
 * size and HiGHS's time, the best plan found and Megatron-LM's intra-op
 * layout on the same devices (tensor parallel 8 inside a node, data across
 * nodes, the update sharded over data), each simulated on the same cost
 * model; and the step time of Megatron-LM's published run of this model.
 *
 * Published: Narayanan et al., "Efficient Large-Scale Language Model
 * Training on GPU Clusters Using Megatron-LM", SC21 (arXiv:2104.04473),
 * section 5.1: GPT-3 175B on 1,024 A100s with batch 1536 runs at 140
 * teraFLOP/s per GPU; their equation 4 (end-to-end time = 8TP/(nX), with
 * activation recomputation) gives one step of 1536 x 2048 tokens in
 * 8 x 3,145,728 x 175e9 / (1024 x 140e12) = 30.7 s. That run pipelines the
 * layers and recomputes activations, which this planner does not, so
 * neither plan here fits in 80 GB: the peak memory column says by how much.
 */
import { join, resolve } from "node:path";
import { cluster } from "../dsl/cluster.ts";
import type { MeshAxis } from "../dsl/mesh.ts";
import { formatDiagnostic } from "../compiler/diagnostics/diagnostic.ts";
import { loadProjects, readPrograms } from "../compiler/frontend/index.ts";
import { loadSolver } from "../compiler/passes/assignShardings/optimize/solver.ts";
import { formatMesh } from "../compiler/plan/meshShapes.ts";
import { searchPlans, type PlanRow } from "../compiler/plan/search.ts";
import { formatBytes, formatSeconds } from "../compiler/simulate/report.ts";
import type { BenchSection } from "./run.ts";

const root = resolve(import.meta.dirname, "..");

/** Megatron-LM's published step (see the module comment): 8 x tokens per step x params / (GPUs x FLOP/s per GPU). */
const publishedStepSeconds = (8 * 1536 * 2048 * 175e9) / (1024 * 140e12);

function describe(row: PlanRow | undefined): string[] {
  if (row === undefined) return ["-", "-", "-", "-"];
  return [`${formatMesh(row.mesh)}, \`${row.layout}\`${row.weightUpdateSharding ? `, update over ${row.weightUpdateSharding}` : ""}`, formatSeconds(row.stepSeconds), `${(100 * row.mfu).toFixed(1)}%`, `${formatBytes(row.peakMemoryBytes)}${row.fits ? "" : " (over)"}`];
}

/** The bench section. */
export const planScaleSection: BenchSection = {
  name: "plan scale",
  description:
    "meshtype plan on GPT-3 175B (96 layers, batch 1536, AdamW, bf16) on 64, 512 and 1,024 A100s: the search over mesh shapes (model axis inside a node) and weight-update sharding, each candidate an ILP solved by HiGHS and built; its time, the ILP's size, and the best plan vs Megatron-LM's intra-op layout on the same devices (same cost model), and Megatron-LM's published step on 1,024 GPUs (30.7 s, SC21 section 5.1, with pipelining and recomputation). Progress on stderr. Goal: seconds per search.",
  run: async () => {
    await loadSolver();
    const file = join(root, "bench", "plan", "gpt3.ts");
    let started = performance.now();
    const [project] = loadProjects([file]);
    const source = project.files.find((entry) => entry.getFilePath() === file);
    if (source === undefined) throw new Error("plan scale: bench/plan/gpt3.ts was not loaded");
    const front = readPrograms([source], { rootDir: root, typeCheck: false });
    if (front.diagnostics.length > 0) throw new Error(front.diagnostics.map(formatDiagnostic).join("\n"));
    const global = front.programs[0];
    const frontSeconds = (performance.now() - started) / 1000;
    const lines = [
      `front end (valueAndGrad over 96 layers): ${frontSeconds.toFixed(1)} s, ${global.values.size} values`,
      "",
      "| devices | candidates | search (s) | ILP binaries / continuous / rows (largest) | HiGHS (s, all) | best plan | step | MFU | peak memory | Megatron-LM intra-op | step | MFU | peak memory |",
      "| ---: | ---: | ---: | --- | ---: | --- | ---: | ---: | --- | --- | ---: | ---: | --- |",
    ];
    for (const devices of [64, 512, 1024]) {
      const megatronMesh: MeshAxis[] = [{ name: "data", size: devices / 8 }, { name: "model", size: 8 }];
      started = performance.now();
      const result = searchPlans({ ...global, mesh: megatronMesh }, {
        cluster: cluster("a100", { nodes: devices / 8 }), devices, buildBudget: 2, progress: (line) => process.stderr.write(`${line}\n`),
      });
      const plans = result.rows.filter((row) => row.kind === "plan");
      const largest = plans.reduce<PlanRow | undefined>((best, row) => ((row.ilp?.binaries ?? 0) > (best?.ilp?.binaries ?? -1) ? row : best), undefined);
      const highs = plans.reduce((total, row) => total + (row.ilp?.solveSeconds ?? 0), 0);
      const size = largest?.ilp === undefined ? "-" : `${largest.ilp.binaries} / ${largest.ilp.continuous} / ${largest.ilp.rows}`;
      lines.push(`| ${devices} | ${plans.length} | ${result.seconds.toFixed(1)} | ${size} | ${highs.toFixed(1)} | ${[...describe(result.best), ...describe(result.rows.find((row) => row.kind === "yours"))].join(" | ")} |`);
    }
    lines.push("", `Megatron-LM's published run, 1,024 A100s (tensor 8 x pipeline x data, recomputation): ${publishedStepSeconds.toFixed(1)} s per step.`);
    return lines;
  },
};
