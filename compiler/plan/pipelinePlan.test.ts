/**
 * The pipeline planner both ways: on 4 DGX A100 nodes (the preset's
 * InfiniBand between them) a 3.4 G-parameter GPT pipelines across the nodes
 * with the tensor split inside them, faster than every intra-op plan; on one
 * node a small GPT is not pipelined (the bubble costs more than the
 * data-parallel all-reduce over NVLink).
 */
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { cluster } from "../../dsl/cluster.ts";
import { compileFiles, type CompiledProgram } from "../index.ts";
import { placeMesh } from "../cost/meshPlacement.ts";
import { loadSolver } from "../passes/assignShardings/optimize/solver.ts";
import { pipelineLinkPlacement } from "../simulate/pipelineSchedule.ts";
import { layerCostsOf, pipelineShape, resizeDim } from "./pipelineCosts.ts";
import { withPipelines } from "./pipelinePlan.ts";
import { searchPlans } from "./search.ts";
import { formatMesh } from "./meshShapes.ts";
import { simulateProgram } from "../simulate/simulate.ts";
import { compileProgram } from "../passes/pipeline.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const programs = new Map<string, CompiledProgram>();

beforeAll(async () => {
  await loadSolver();
  const result = compileFiles([path.join(here, "__fixtures__/pipelineGpt.ts")], { typeCheck: false });
  expect(result.diagnostics).toEqual([]);
  for (const program of result.files.flatMap((file) => file.programs)) programs.set(program.name, program);
}, 180_000);

function named(name: string): CompiledProgram {
  const found = programs.get(name);
  if (found === undefined) throw new Error(`no program ${name}`);
  return found;
}

describe("stage costs from Planner II", () => {
  it("splits a simulated step into identical layers and the first and last stages' extras", () => {
    const global = named("gptSmall").global;
    expect(pipelineShape(global, "batch")).toEqual({ batch: 64, layers: 4 });
    expect(pipelineShape(global, "tokens")).toEqual({ reason: 'it has no dim "tokens" to cut into micro-batches' });
    const node = cluster("a100");
    const at = (batch: number) => {
      const program = { ...resizeDim(global, "batch", batch), mesh: [{ name: "data", size: 2 }], layoutSpec: "batch:data", layout: [{ dim: "batch", axis: "data" }] };
      return layerCostsOf(simulateProgram(compileProgram(program), node), "batch", false);
    };
    const eight = at(8);
    const sixteen = at(16);
    // a layer's forward and backward grow with the micro-batch, its parameters do not
    expect(sixteen.layer.forwardSeconds).toBeGreaterThan(eight.layer.forwardSeconds);
    expect(sixteen.layer.staticBytes).toBeCloseTo(eight.layer.staticBytes, 0);
    expect(sixteen.layer.activationBytes).toBeCloseTo(2 * eight.layer.activationBytes, -3);
    // the boundary: one micro-batch's activation per device, batch/2 x seq 256 x d_model 256 in bf16
    expect(eight.boundaryBytes).toBe(4 * 256 * 256 * 2);
    // the data-parallel gradient all-reduce runs once per step, not per micro-batch
    expect(eight.layer.stepSeconds).toBeGreaterThan(0);
    expect(sixteen.layer.stepSeconds).toBeCloseTo(eight.layer.stepSeconds, 9);
    // the embedding is the first stage's, the head and loss (vocab 8192) the last's
    expect(eight.first.forwardSeconds).toBeGreaterThan(0);
    expect(eight.last.forwardSeconds).toBeGreaterThan(eight.first.forwardSeconds);
  }, 120_000);
});

describe("meshtype plan proposes pipelines where they win", () => {
  it("pipelines a 3.4 G-parameter GPT across 4 nodes with the tensor split inside each, faster than every intra-op plan", () => {
    const global = named("gptWide").global;
    const nodes = cluster("a100", { nodes: 4 });
    const intra = searchPlans(global, { cluster: nodes, devices: 32, buildBudget: 2 });
    const intraBest = intra.best;
    if (intraBest === undefined) throw new Error("no intra-op plan");
    const { result, pipelines } = withPipelines(global, intra, { cluster: nodes, devices: 32, stageCounts: [4], microbatchCounts: [8, 16] });
    expect(pipelines?.plans.length).toBeGreaterThan(0);
    const best = result.best;
    if (best?.pipeline === undefined) throw new Error(`the best plan is not pipelined: ${best === undefined ? "none" : formatMesh(best.mesh)}`);
    expect(best.stepSeconds).toBeLessThan(intraBest.stepSeconds);
    expect(best.fits).toBe(true);
    // the pipeline axis spans nodes; the model axis (the tensor split) stays inside one
    const pipe = best.mesh.find((axis) => axis.name === "pipe");
    expect(pipe?.size).toBe(4);
    const stageDevices = 32 / (pipe?.size ?? 1);
    expect(pipelineLinkPlacement(0, stageDevices, 8).nodes).toBe(2);
    const placement = placeMesh(best.mesh, nodes);
    if ("error" in placement) throw new Error(placement.error);
    const model = placement.axes.find((axis) => axis.axis === "model");
    expect(model?.size).toBeGreaterThan(1);
    expect(model?.nodes).toBe(1);
    expect(best.layout).toMatch(/:model/);
    expect(best.pipeline.stages.reduce((total, count) => total + count, 0)).toBe(16);
    expect(best.pipeline.bubbleFraction).toBeGreaterThan(0);
  }, 600_000);

  it("does not pipeline a small GPT on one node: data parallelism over NVLink has no bubble", () => {
    const global = named("gptSmall").global;
    const node = cluster("a100");
    const intra = searchPlans(global, { cluster: node, devices: 8, buildBudget: 2 });
    const { result, pipelines } = withPipelines(global, intra, { cluster: node, devices: 8, stageCounts: [2], microbatchCounts: [8] });
    // pipelined plans were found and ranked, and lose
    expect(pipelines?.plans.length).toBeGreaterThan(0);
    expect(result.rows.some((row) => row.pipeline !== undefined)).toBe(true);
    expect(result.rows[0].pipeline).toBeUndefined();
    const fastestPipeline = result.rows.find((row) => row.pipeline !== undefined);
    expect(fastestPipeline?.stepSeconds).toBeGreaterThan(result.rows[0].stepSeconds);
  }, 600_000);

  it("says why a program without a layer loop is not pipelined", () => {
    const global = named("gptSmall").global;
    const { notPipelined } = withPipelines({ ...global, body: global.body.filter((statement) => statement.op !== "loop") }, { rows: [], best: undefined, seconds: 0, skipped: [] }, { cluster: cluster("a100"), devices: 8 });
    expect(notPipelined).toMatch(/no layer loop/);
  });
});
