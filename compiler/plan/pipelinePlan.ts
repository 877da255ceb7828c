/**
 * Pipelined plans among the intra-op ones: `meshtype plan` runs the
 * intra-op search (search.ts), then, for a program with a layer loop and a
 * batch dim, the pipeline search (pipelineSearch.ts, stage costs from
 * Planner II by pipelineCosts.ts), and ranks the best pipelined plans with
 * the others by the same rule: those that fit first, by step time, the
 * user's binding first on a tie.
 */
import type { ClusterSpec } from "../../dsl/cluster.ts";
import type { Dtype } from "../../dsl/dtype.ts";
import { matmulPrecision } from "../cost/compute.ts";
import type { Program } from "../ir/ir.ts";
import type { PipelineScheduleKind } from "../simulate/pipelineSchedule.ts";
import { pipelineShape, stageOracle } from "./pipelineCosts.ts";
import { searchPipelines, type PipelinePlan, type PipelineSearchResult } from "./pipelineSearch.ts";
import type { PlanRow, PlanSearchResult } from "./search.ts";

/** How to search pipelines for `meshtype plan`. */
export interface PipelinePlanOptions {
  readonly cluster: ClusterSpec;
  readonly devices: number;
  readonly memoryBytes?: number;
  readonly dtype?: Dtype;
  readonly batchDim?: string;
  readonly schedule?: PipelineScheduleKind;
  readonly stageCounts?: readonly number[];
  readonly microbatchCounts?: readonly number[];
  /** Pipelined rows added to the table (default 3, the fastest). */
  readonly rows?: number;
  readonly progress?: (line: string) => void;
}

/** The intra-op search's result with pipelined rows, and the pipeline search's own (undefined with why when the program cannot be pipelined). */
export interface WithPipelines {
  readonly result: PlanSearchResult;
  readonly pipelines?: PipelineSearchResult;
  readonly notPipelined?: string;
}

/** A pipelined plan as a row of the plan table. */
export function pipelineRow(plan: PipelinePlan): PlanRow {
  return {
    kind: "plan", mesh: plan.mesh, layout: plan.layout,
    ...(plan.weightUpdateSharding === undefined ? {} : { weightUpdateSharding: plan.weightUpdateSharding }),
    stepSeconds: plan.stepSeconds, computeSeconds: plan.computeSeconds,
    // what is not the busiest stage's compute: the bubble, transfers, the once-per-step work
    exposedCommunicationSeconds: Math.max(0, plan.stepSeconds - plan.computeSeconds),
    mfu: plan.mfu, peakMemoryBytes: plan.peakMemoryBytes, fits: plan.fits, communication: plan.communication,
    pipeline: { axis: plan.axis, microbatches: plan.microbatches, schedule: plan.schedule, stages: plan.layersPerStage, bubbleFraction: plan.bubbleFraction },
  };
}

const rank = (rows: PlanRow[]): PlanRow[] =>
  rows.sort((first, second) => Number(second.fits) - Number(first.fits) || first.stepSeconds - second.stepSeconds || Number(second.kind === "yours") - Number(first.kind === "yours"));

/** `search` (the intra-op search of `global`) with the best pipelined plans ranked among its rows. */
export function withPipelines(global: Program, search: PlanSearchResult, options: PipelinePlanOptions): WithPipelines {
  const batchDim = options.batchDim ?? "batch";
  const shape = pipelineShape(global, batchDim);
  if ("reason" in shape) return { result: search, notPipelined: `not pipelined: ${shape.reason}` };
  if (options.devices < 2) return { result: search, notPipelined: "not pipelined: one device" };
  const dtype = options.dtype ?? global.dtype;
  const memoryBytes = options.memoryBytes ?? options.cluster.device.memoryBytes;
  const pipelines = searchPipelines({
    cluster: options.cluster, devices: options.devices, layers: shape.layers, batch: shape.batch, memoryBytes,
    oracle: stageOracle(global, { cluster: options.cluster, dtype, batchDim }),
    peakFlops: options.cluster.device.peakFlops[matmulPrecision(dtype)],
    ...(options.schedule === undefined ? {} : { schedule: options.schedule }),
    ...(options.stageCounts === undefined ? {} : { stageCounts: options.stageCounts }),
    ...(options.microbatchCounts === undefined ? {} : { microbatchCounts: options.microbatchCounts }),
    ...(options.progress === undefined ? {} : { progress: options.progress }),
  });
  const added = pipelines.plans.slice(0, options.rows ?? 3).map(pipelineRow);
  const rows = rank([...search.rows, ...added]);
  return {
    result: { ...search, rows, best: rows.find((row) => row.kind === "plan"), seconds: search.seconds + pipelines.seconds },
    pipelines,
  };
}
