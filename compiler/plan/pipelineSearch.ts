/**
 * The pipeline search of `meshtype plan` (Alpa, OSDI'22, section 5): for
 * every stage count S that divides the devices (at most the layer count),
 * every mesh of a stage's devices (data x model, the model axis inside a
 * node, as meshShapes.ts and the intra-op search) and every micro-batch count
 * M that divides the batch into micro-batches the data axis splits evenly:
 *
 * 1. the stage's intra-op plan and its costs per layer, per micro-batch,
 *    from the oracle (pipelineCosts.ts: Planner II's ILP on the stage mesh,
 *    simulated; one plan per stage mesh and micro-batch size, reused for
 *    every stage count and cut);
 * 2. Alpa's stage-cut program (pipelineDp.ts) under the per-device memory,
 *    1F1B's in-flight micro-batches per stage;
 * 3. the cut simulated as a pipeline schedule (compiler/simulate/
 *    pipelineSchedule.ts): transfers between stages priced on the link
 *    between their devices, each stage's once-per-step work (gradient
 *    all-reduce over its data axis, optimizer update) after its last backward.
 *
 * Every stage has the same mesh (the binding's mesh is `pipe x data x
 * model` with one layout), so the sub-meshes are S equal slices of the
 * devices, the pipeline axis outermost: a stage's devices are consecutive
 * ranks, inside one node when they fit and whole nodes otherwise.
 */
import type { ClusterSpec } from "../../dsl/cluster.ts";
import type { MeshAxis } from "../../dsl/mesh.ts";
import { pipelineLinkSeconds, simulatePipeline, type PipelineScheduleKind, type PipelineSimulation, type PipelineStageCost } from "../simulate/pipelineSchedule.ts";
import { bestStageCut } from "./pipelineDp.ts";
import { formatMesh, meshShapes } from "./meshShapes.ts";

/** What one part of a stage costs on one device: a layer, or what the first or last stage adds. */
export interface PartCost {
  /** Per micro-batch. */
  readonly forwardSeconds: number;
  readonly backwardSeconds: number;
  /** Saved activations per micro-batch, bytes per device. */
  readonly activationBytes: number;
  /** Parameters, gradients, optimizer state, bytes per device. */
  readonly staticBytes: number;
  /** Once per step: gradient reduction over the data axis and the optimizer update. */
  readonly stepSeconds: number;
  /** Model FLOPs of one micro-batch on one device (forward and backward). */
  readonly flops: number;
}

/** A stage mesh's costs for one micro-batch size: what the oracle gives. */
export interface LayerCosts {
  readonly layer: PartCost;
  /** What the first stage runs besides its layers (the embedding). */
  readonly first: PartCost;
  /** What the last stage runs besides its layers (the head and the loss). */
  readonly last: PartCost;
  /** Transient bytes per device beyond what is held. */
  readonly workingBytes: number;
  /** The activation one micro-batch sends from a stage to the next, bytes per device (its gradient comes back). */
  readonly boundaryBytes: number;
  /** Bytes per device by kind of collective of one micro-batch through every layer (the stage program as built). */
  readonly communication: Readonly<Record<string, number>>;
  /** The stage's intra-op plan: its layout string and weight-update sharding. */
  readonly layout: string;
  readonly weightUpdateSharding?: string;
}

/** One pipelined plan, simulated. */
export interface PipelinePlan {
  /** `pipe x data x model` (size-1 axes left out). */
  readonly mesh: readonly MeshAxis[];
  readonly stageMesh: readonly MeshAxis[];
  readonly axis: string;
  readonly microbatches: number;
  readonly schedule: PipelineScheduleKind;
  readonly layersPerStage: readonly number[];
  readonly layout: string;
  readonly weightUpdateSharding?: string;
  readonly stepSeconds: number;
  /** Alpa's T for the cut (the DP's objective, without the once-per-step work). */
  readonly dpSeconds: number;
  readonly bubbleFraction: number;
  readonly peakMemoryBytes: number;
  readonly fits: boolean;
  /** Model FLOPs per second per device over the device's peak. */
  readonly mfu: number;
  /** Seconds of forward and backward on the busiest stage, and of transfers not hidden behind compute. */
  readonly computeSeconds: number;
  /** Bytes per device per step by kind of collective on the stage of most layers; stage-to-stage sends as `collectivePermute`. */
  readonly communication: Readonly<Record<string, number>>;
  readonly simulation: PipelineSimulation;
}

/** How to search. */
export interface PipelineSearchOptions {
  readonly cluster: ClusterSpec;
  readonly devices: number;
  /** The layer loop's trip count. */
  readonly layers: number;
  /** The global batch (the size of the dim micro-batches split). */
  readonly batch: number;
  readonly memoryBytes: number;
  /** The stage's costs for a stage mesh and a global micro-batch size; undefined when the stage cannot be planned. */
  readonly oracle: (stageMesh: readonly MeshAxis[], microbatchSize: number) => LayerCosts | undefined;
  /** Dense peak FLOP/s of a device, for MFU. */
  readonly peakFlops: number;
  readonly names?: { readonly pipe: string; readonly data: string; readonly model: string };
  readonly schedule?: PipelineScheduleKind;
  /** Stage counts to try (default: every divisor of the devices from 2 up to the layer count). */
  readonly stageCounts?: readonly number[];
  /** Micro-batch counts to try (default: every count that divides the batch evenly over the data axis). */
  readonly microbatchCounts?: readonly number[];
  /** Stage meshes to try (default: meshShapes of the stage's devices, the model axis inside a node). */
  readonly stageMeshes?: (stageDevices: number) => readonly (readonly MeshAxis[])[];
  readonly progress?: (line: string) => void;
}

/** What the search found. */
export interface PipelineSearchResult {
  /** Ranked: those that fit first, by step time. */
  readonly plans: readonly PipelinePlan[];
  readonly seconds: number;
  /** Distinct stage plans the oracle made (intra-op searches). */
  readonly stagePlans: number;
  readonly candidates: number;
}

const divisors = (n: number): number[] => Array.from({ length: n }, (_, index) => index + 1).filter((d) => n % d === 0);

function stageCostOf(costs: LayerCosts, layers: number, first: boolean, last: boolean, workingBytes: number): PipelineStageCost {
  const part = (pick: (part: PartCost) => number): number => layers * pick(costs.layer) + (first ? pick(costs.first) : 0) + (last ? pick(costs.last) : 0);
  return {
    forwardSeconds: part((p) => p.forwardSeconds), backwardSeconds: part((p) => p.backwardSeconds),
    activationBytes: part((p) => p.activationBytes), staticBytes: part((p) => p.staticBytes),
    stepSeconds: part((p) => p.stepSeconds), workingBytes,
  };
}

/** Search pipelined plans (see the module comment). */
export function searchPipelines(options: PipelineSearchOptions): PipelineSearchResult {
  const started = performance.now();
  const names = options.names ?? { pipe: "pipe", data: "data", model: "model" };
  const schedule = options.schedule ?? "1f1b";
  const perNode = options.cluster.devicesPerNode;
  const cache = new Map<string, LayerCosts | undefined>();
  const costsOf = (stageMesh: readonly MeshAxis[], microbatchSize: number): LayerCosts | undefined => {
    const key = `${formatMesh(stageMesh)}/${microbatchSize}`;
    if (!cache.has(key)) cache.set(key, options.oracle(stageMesh, microbatchSize));
    return cache.get(key);
  };
  const stageCounts = options.stageCounts ?? divisors(options.devices).filter((count) => count >= 2 && count <= options.layers);
  const work: { stages: number; stageMesh: readonly MeshAxis[]; microbatches: number }[] = [];
  for (const stages of stageCounts) {
    const stageDevices = options.devices / stages;
    if (!Number.isInteger(stageDevices)) continue;
    const meshes = options.stageMeshes?.(stageDevices) ?? meshShapes(stageDevices, [names.data, names.model]).filter((mesh) => (mesh.find((axis) => axis.name === names.model)?.size ?? 1) <= perNode);
    for (const stageMesh of meshes) {
      const data = stageMesh.find((axis) => axis.name === names.data)?.size ?? 1;
      const counts = options.microbatchCounts ?? divisors(options.batch);
      for (const microbatches of counts) {
        if (options.batch % microbatches !== 0 || (options.batch / microbatches) % data !== 0) continue;
        work.push({ stages, stageMesh, microbatches });
      }
    }
  }
  const plans: PipelinePlan[] = [];
  work.forEach(({ stages, stageMesh, microbatches }, index) => {
    const stageDevices = options.devices / stages;
    const label = `pipe=${stages} ${formatMesh(stageMesh)}, ${microbatches} micro-batches`;
    options.progress?.(`pipeline: ${index + 1}/${work.length} [${label}] (${((performance.now() - started) / 1000).toFixed(1)} s, ${cache.size} stage plans)`);
    const costs = costsOf(stageMesh, options.batch / microbatches);
    if (costs === undefined) return;
    const inFlight = (stage: number): number => (schedule === "gpipe" ? microbatches : Math.min(stages - stage, microbatches));
    const transfer = (boundary: number): number => pipelineLinkSeconds(costs.boundaryBytes, boundary, stageDevices, options.cluster);
    const cut = bestStageCut({
      layers: options.layers, stages, microbatches, memoryBytes: options.memoryBytes,
      sumLowerBound: options.layers * (costs.layer.forwardSeconds + costs.layer.backwardSeconds) + costs.first.forwardSeconds + costs.first.backwardSeconds + costs.last.forwardSeconds + costs.last.backwardSeconds,
      stageCost: (stage, _first, count) => {
        const cost = stageCostOf(costs, count, stage === 0, stage === stages - 1, costs.workingBytes);
        // a stage's latency per micro-batch: its compute, and receiving its input and its output's gradient
        const seconds = cost.forwardSeconds + cost.backwardSeconds + (stage > 0 ? 2 * transfer(stage - 1) : 0);
        return { seconds, bytes: cost.staticBytes + inFlight(stage) * cost.activationBytes + (cost.workingBytes ?? 0) };
      },
    });
    if (cut === undefined) return;
    const stageCosts = cut.layersPerStage.map((count, stage) => stageCostOf(costs, count, stage === 0, stage === stages - 1, costs.workingBytes));
    const boundaries = Array.from({ length: stages - 1 }, (_, boundary) => transfer(boundary));
    const simulation = simulatePipeline({ schedule, microbatches, stages: stageCosts, forwardTransferSeconds: boundaries });
    const flopsPerDevice = cut.layersPerStage.reduce((total, count, stage) => total + microbatches * (count * costs.layer.flops + (stage === 0 ? costs.first.flops : 0) + (stage === stages - 1 ? costs.last.flops : 0)), 0) / stages;
    const mesh = [{ name: names.pipe, size: stages }, ...stageMesh.filter((axis) => axis.size > 1)];
    const most = Math.max(...cut.layersPerStage);
    const communication: Record<string, number> = {};
    for (const [kind, bytes] of Object.entries(costs.communication)) if (kind !== "localSlice" && bytes > 0) communication[kind] = (bytes * most * microbatches) / options.layers;
    // a middle stage sends each micro-batch's activation on and its input's gradient back
    communication.collectivePermute = (communication.collectivePermute ?? 0) + 2 * microbatches * costs.boundaryBytes;
    plans.push({
      mesh, stageMesh, axis: names.pipe, microbatches, schedule, layersPerStage: cut.layersPerStage,
      layout: costs.layout, ...(costs.weightUpdateSharding === undefined ? {} : { weightUpdateSharding: costs.weightUpdateSharding }),
      stepSeconds: simulation.stepSeconds, dpSeconds: cut.seconds, bubbleFraction: simulation.bubbleFraction,
      peakMemoryBytes: simulation.peakBytes, fits: simulation.peakBytes <= options.memoryBytes,
      mfu: flopsPerDevice / (simulation.stepSeconds * options.peakFlops),
      computeSeconds: Math.max(...simulation.stages.map((stage) => stage.busySeconds)),
      communication, simulation,
    });
  });
  plans.sort((first, second) => Number(second.fits) - Number(first.fits) || first.stepSeconds - second.stepSeconds);
  const seconds = (performance.now() - started) / 1000;
  options.progress?.(`pipeline: searched ${work.length} pipelines (${cache.size} stage plans) in ${seconds.toFixed(1)} s`);
  return { plans, seconds, stagePlans: cache.size, candidates: work.length };
}
