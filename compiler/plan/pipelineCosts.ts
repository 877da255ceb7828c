/**
 * The pipeline search's stage costs (pipelineSearch.ts `oracle`) from
 * Planner II: the program with its batch dim resized to one micro-batch is
 * planned intra-op on the stage mesh (search.ts: the `optimize` ILP, the
 * layout refined by builds), built and simulated once; the simulated step is
 * then split into what one layer costs and what the first and last stages
 * add. The layers of the layer loop are identical (one body, lowered once),
 * so a layer's cost is the loop's tasks over its trip count, and one plan per
 * (stage mesh, micro-batch size) serves every stage count and every cut.
 *
 * How the simulated step of one micro-batch is split (its task graph,
 * compiler/simulate/taskGraph.ts):
 *
 * - forward and backward tasks (autodiff's phases; recomputation is
 *   backward) run per micro-batch; their seconds are summed, collectives
 *   included: a stage's tensor-parallel collectives wait on its compute, as
 *   Megatron-LM's do;
 * - collectives of the backward that read a value without the batch dim
 *   (weight gradients, over the data axis) and the update (tasks of no phase)
 *   run once per step, after the pipeline's last backward (gradients are
 *   accumulated over micro-batches first);
 * - tasks in the layer loop are the layers'; tasks outside it before the loop
 *   (the embedding) and after the reverse loop (its backward) are the first
 *   stage's; the others (the head, the loss and their backward) the last's.
 *   Recomputed tasks outside the loop are dropped (Megatron-LM recomputes per
 *   layer);
 * - memory: the parameters, a gradient accumulator as large (gradients are
 *   summed over micro-batches), and the optimizer state, a layer's share
 *   being the loop's parameters' share of all parameters, the rest split
 *   evenly between the first and last stage; a layer's saved activations are
 *   what the loop's forward tasks make and a backward task reads last (with
 *   recomputation: the layer's input, which Megatron-LM keeps); what is
 *   transient at the simulated peak is working memory.
 */
import type { ClusterSpec } from "../../dsl/cluster.ts";
import type { Dtype } from "../../dsl/dtype.ts";
import type { MeshAxis } from "../../dsl/mesh.ts";
import { parseLayout } from "../../dsl/parseLayout.ts";
import type { Dim } from "../../dsl/tensor.ts";
import { CompileError } from "../diagnostics/diagnostic.ts";
import { explainProgram } from "../explain/explainRows.ts";
import type { Block, Loop, Op, Program, Value, ValueId } from "../ir/ir.ts";
import { elementsOf } from "../cost/opWork.ts";
import { compileProgram } from "../passes/pipeline.ts";
import { simulateProgram, type Simulation } from "../simulate/simulate.ts";
import { classElementBytes } from "../simulate/valueClasses.ts";
import type { SimulationOptions } from "../simulate/taskGraph.ts";
import type { LayerCosts, PartCost } from "./pipelineSearch.ts";
import { searchPlans } from "./search.ts";

/** `program` (global) with dim `name` of size `size` everywhere. */
export function resizeDim(program: Program, name: string, size: number): Program {
  const resize = (dims: readonly Dim[]): readonly Dim[] => (dims.some((dim) => dim.name === name) ? dims.map((dim) => (dim.name === name ? { ...dim, size } : dim)) : dims);
  const values = new Map<ValueId, Value>();
  for (const [id, value] of program.values) values.set(id, { ...value, dims: resize(value.dims) });
  const block = (body: Block): Block => body.map((statement) => {
    if (statement.op === "loop") return { ...statement, body: block(statement.body) };
    if (statement.op === "splitDim") return { ...statement, into: resize(statement.into) } as Op;
    if (statement.op === "oneHot" && statement.dim.name === name) return { ...statement, dim: { ...statement.dim, size } } as Op;
    return statement;
  });
  const dimSizes = program.sources?.dimSizes;
  return {
    ...program, values, body: block(program.body),
    ...(dimSizes === undefined || dimSizes[name] === undefined ? {} : { sources: { ...program.sources, dimSizes: { ...dimSizes, [name]: size } } }),
  };
}

/** The layer loop of a lowered program: its top-level loop of forward ops with the most iterations. */
export function layerLoop(program: Program): Loop | undefined {
  let best: Loop | undefined;
  for (const statement of program.body) {
    if (statement.op !== "loop") continue;
    const forward = statement.body.some((inner) => inner.op !== "loop" && inner.phase === "forward");
    if (forward && (best === undefined || statement.count > best.count)) best = statement;
  }
  return best;
}

/** The batch size and layer count a program can be pipelined with, or why not. */
export function pipelineShape(program: Program, batchDim: string): { batch: number; layers: number } | { reason: string } {
  let batch: number | undefined;
  for (const value of program.values.values()) {
    const dim = value.dims.find((entry) => entry.name === batchDim);
    if (dim !== undefined) batch = Math.max(batch ?? 0, dim.size);
  }
  if (batch === undefined) return { reason: `it has no dim "${batchDim}" to cut into micro-batches` };
  let layers = 0;
  for (const statement of program.body) if (statement.op === "loop") layers = Math.max(layers, statement.count);
  if (layers < 2) return { reason: "it has no layer loop of 2 or more iterations to cut into stages" };
  return { batch, layers };
}

/** How the oracle plans a stage. */
export interface StageOracleOptions {
  readonly cluster: ClusterSpec;
  readonly dtype?: Dtype;
  /** The dim micro-batches split (default `batch`). */
  readonly batchDim?: string;
  /** Layout builds per candidate in the intra-op search (default 2). */
  readonly buildBudget?: number;
  /** How the stage runs (e.g. `recompute: "full"`). */
  readonly simulation?: Pick<SimulationOptions, "recompute" | "kernels">;
  /** Use this layout on every stage mesh instead of searching one (the axes it names must be the stage mesh's). */
  readonly layout?: { readonly layout: string; readonly weightUpdateSharding?: string };
  /** Called once per stage plan made. */
  readonly progress?: (line: string) => void;
}

const zero: PartCost = { forwardSeconds: 0, backwardSeconds: 0, activationBytes: 0, staticBytes: 0, stepSeconds: 0, flops: 0 };

/** The costs of one layer and of the first and last stage's extras, from one simulated micro-batch (see the module comment). */
export function layerCostsOf(simulation: Simulation, batchDim: string, recompute: boolean): Omit<LayerCosts, "layout" | "weightUpdateSharding" | "communication"> {
  const { graph, memory } = simulation;
  const program = graph.program;
  const loop = layerLoop(program);
  const count = loop?.count ?? 1;
  const parts = { layer: { ...zero }, first: { ...zero }, last: { ...zero } };
  let firstLoopTask = graph.size;
  let lastLoopTask = -1;
  for (let task = 0; task < graph.size; task++) {
    if (graph.iteration[task] >= 0) {
      firstLoopTask = Math.min(firstLoopTask, task);
      lastLoopTask = task;
    }
  }
  const hasBatch = (id: ValueId): boolean => program.values.get(id)?.dims.some((dim) => dim.name === batchDim) ?? true;
  for (let task = 0; task < graph.size; task++) {
    const entry = graph.entries[graph.entryOf[task]];
    const inLoop = graph.iteration[task] >= 0;
    if (graph.recomputed[task] && !inLoop) continue;
    const seconds = graph.seconds[task];
    const perStep = entry.phase === undefined || (entry.phase === "backward" && entry.collective !== undefined && !hasBatch(entry.collective.input));
    // outside the loops: before the forward loop or after the reverse loop is the embedding's (first stage), between them the head's
    const part = inLoop ? parts.layer : task < firstLoopTask || task > lastLoopTask ? parts.first : parts.last;
    if (perStep) {
      if (inLoop) part.stepSeconds += seconds / count;
      else {
        // the update and gradient reductions outside the loop: the embedding's and the head's, half each
        parts.first.stepSeconds += seconds / 2;
        parts.last.stepSeconds += seconds / 2;
      }
      continue;
    }
    const share = inLoop ? count : 1;
    if (entry.phase === "forward" && !graph.recomputed[task]) part.forwardSeconds += seconds / share;
    else part.backwardSeconds += seconds / share;
    if (!graph.recomputed[task]) part.flops += entry.flops / share;
  }
  // static memory: the loop's parameters' share of all parameters
  const loopParams = new Set<ValueId>();
  const collect = (body: Block): void => body.forEach((statement) => {
    if (statement.op === "loop") {
      for (const entry of statement.indexed) for (const item of entry.items) loopParams.add(item);
      collect(statement.body);
    }
  });
  collect(program.body);
  // parameters (inputs of the step), a gradient accumulator of the same size each, and the optimizer state;
  // saved activations: what a forward task makes and a backward task reads last
  const phaseOf = (task: number): string | undefined => (task >= 0 && task < graph.size ? graph.entries[graph.entryOf[task]].phase : undefined);
  let paramBytes = 0;
  let layerParamBytes = 0;
  let stateBytes = 0;
  let saved = { layer: 0, first: 0, last: 0 };
  for (const instance of graph.instances) {
    if (instance.task < 0) {
      if (instance.valueClass === "parameters") {
        paramBytes += instance.bytes;
        if (loopParams.has(instance.value)) layerParamBytes += instance.bytes;
      } else if (instance.valueClass === "optimizerState") stateBytes += instance.bytes;
      continue;
    }
    if (phaseOf(instance.task) !== "forward" || graph.recomputed[instance.task]) continue;
    const reader = phaseOf(instance.lastUse);
    if (reader !== "backward" && reader !== "recompute") continue;
    if (graph.iteration[instance.task] >= 0) saved.layer += instance.bytes / count;
    else if (instance.task < firstLoopTask) saved.first += instance.bytes;
    else saved.last += instance.bytes;
  }
  const staticBytes = 2 * paramBytes + stateBytes;
  const layerShare = paramBytes > 0 ? layerParamBytes / paramBytes : 1;
  const boundaryBytes = boundaryBytesOf(program, loop);
  if (recompute) saved = { ...saved, layer: boundaryBytes };
  parts.layer.staticBytes = (staticBytes * layerShare) / count;
  parts.first.staticBytes = (staticBytes * (1 - layerShare)) / 2;
  parts.last.staticBytes = (staticBytes * (1 - layerShare)) / 2;
  parts.layer.activationBytes = saved.layer;
  parts.first.activationBytes = saved.first;
  parts.last.activationBytes = saved.last;
  return { ...parts, workingBytes: memory.byClass.temporaries + memory.byClass.inputs, boundaryBytes };
}

/** Bytes per device of what one iteration of the layer loop hands the next (what a stage sends on). */
function boundaryBytesOf(program: Program, loop: Loop | undefined): number {
  if (loop === undefined) return 0;
  const bytes = (id: ValueId): number => {
    const value = program.values.get(id);
    return value === undefined ? 0 : elementsOf(value.localDims ?? value.dims) * classElementBytes("savedActivations", program.dtype);
  };
  return Math.max(0, ...loop.carried.map((entry) => bytes(entry.init)));
}

/**
 * The oracle of pipelineSearch.ts for `global` (a program as the front end
 * reads it): for a stage mesh and a global micro-batch size, the program at
 * that batch planned on the stage mesh by Planner II, simulated and split.
 * Undefined when no plan compiles on that mesh.
 */
export function stageOracle(global: Program, options: StageOracleOptions): (stageMesh: readonly MeshAxis[], microbatchSize: number) => LayerCosts | undefined {
  const batchDim = options.batchDim ?? "batch";
  const dtype = options.dtype ?? global.dtype;
  return (stageMesh, microbatchSize) => {
    const devices = stageMesh.reduce((product, axis) => product * axis.size, 1);
    const cluster = { ...options.cluster, nodes: Math.max(1, Math.ceil(devices / options.cluster.devicesPerNode)) };
    const resized = resizeDim(global, batchDim, microbatchSize);
    let chosen = options.layout;
    if (chosen === undefined) {
      const search = searchPlans({ ...resized, mesh: stageMesh }, { cluster, devices, meshes: [stageMesh], memoryBytes: Infinity, dtype, buildBudget: options.buildBudget ?? 2, includeYours: false });
      const best = search.best;
      if (best === undefined) return undefined;
      chosen = { layout: best.layout, ...(best.weightUpdateSharding === undefined ? {} : { weightUpdateSharding: best.weightUpdateSharding }) };
    }
    options.progress?.(`stage plan on ${stageMesh.map((axis) => `${axis.name}=${axis.size}`).join(" ")}, micro-batch ${microbatchSize}: ${chosen.layout}`);
    const planned: Program = {
      ...resized, mesh: stageMesh, layoutSpec: chosen.layout, layout: parseLayout(chosen.layout), openLayout: undefined,
      weightUpdateSharding: chosen.weightUpdateSharding,
    };
    let simulation: Simulation;
    let communication: Readonly<Record<string, number>>;
    try {
      const lowered = compileProgram(planned);
      simulation = simulateProgram(lowered, cluster, { dtype, ...options.simulation });
      communication = explainProgram(lowered).bytesByCollective;
    } catch (error) {
      if (error instanceof CompileError) return undefined;
      throw error;
    }
    return { ...layerCostsOf(simulation, batchDim, options.simulation?.recompute === "full"), communication, layout: chosen.layout, ...(chosen.weightUpdateSharding === undefined ? {} : { weightUpdateSharding: chosen.weightUpdateSharding }) };
  };
}
