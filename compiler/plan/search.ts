/**
 * The plan search of `meshtype plan`: for every mesh shape of the device
 * count (meshShapes.ts: data x model, model innermost on the node
 * hierarchy) and weight-update sharding off and on, the `optimize` ILP
 * chooses every value's sharding under the cost model of the cluster and
 * its per-device memory. A build compiles a layout string by propagation,
 * and a layout cannot say everything an assignment does, so the search
 * then looks for the layout string that does best as built: it starts from
 * the one that describes the ILP's plan (layoutOf.ts) and moves to a better
 * neighbour (one rule dropped, or one split the plan makes added) while one
 * is better, simulating each on the cluster (compiler/simulate), within a
 * budget of builds. Each row is the best such layout as the next build
 * compiles it: step time, MFU, peak memory, bytes moved by collective kind;
 * it also gives the ILP's own plan's simulated time. The user's own binding
 * is simulated as a row to compare. Rows are ranked by step time, those
 * that fit in memory first.
 */
import type { ClusterSpec } from "../../dsl/cluster.ts";
import type { Dtype } from "../../dsl/dtype.ts";
import type { MeshAxis } from "../../dsl/mesh.ts";
import { parseLayout } from "../../dsl/parseLayout.ts";
import { CompileError } from "../diagnostics/diagnostic.ts";
import { explainProgram } from "../explain/explainRows.ts";
import type { Program } from "../ir/ir.ts";
import { optimize, type OptimizeReport } from "../passes/assignShardings/optimize/optimize.ts";
import { compileProgram, passesWith } from "../passes/pipeline.ts";
import { simulateProgram } from "../simulate/simulate.ts";
import type { LayoutRule } from "../../dsl/parseLayout.ts";
import { lower } from "../passes/lower/lower.ts";
import { canAddRule, canWidenRule, formatRules, layoutRulesOf, rankedSplits } from "./layoutOf.ts";
import { formatMesh, meshShapes } from "./meshShapes.ts";
import { clusterPlanCosts } from "./planCostModel.ts";

/** One candidate plan (or the user's binding), as simulated. */
export interface PlanRow {
  readonly kind: "plan" | "yours";
  readonly mesh: readonly MeshAxis[];
  readonly layout: string;
  readonly weightUpdateSharding?: string;
  readonly stepSeconds: number;
  /** Of the step: seconds of compute, and of communication not hidden behind it (the simulator's). */
  readonly computeSeconds: number;
  readonly exposedCommunicationSeconds: number;
  readonly mfu: number;
  readonly peakMemoryBytes: number;
  /** True when the simulated peak fits in the device's memory (or --memory). */
  readonly fits: boolean;
  /** Bytes per device per step, by collective kind. */
  readonly communication: Readonly<Record<string, number>>;
  /** For a pipelined plan (pipelinePlan.ts): the pipeline option it writes, and its simulated bubble. */
  readonly pipeline?: {
    readonly axis: string;
    readonly microbatches: number;
    readonly schedule: "gpipe" | "1f1b";
    /** Layers per stage. */
    readonly stages: readonly number[];
    /** The mean fraction of the step a stage's compute stream waits (simulated). */
    readonly bubbleFraction: number;
  };
  /** For a plan: the ILP's size, HiGHS's time and its objective (seconds, the sum of op and conversion times). */
  readonly ilp?: {
    readonly binaries: number;
    readonly continuous: number;
    readonly rows: number;
    readonly solveSeconds: number;
    readonly objectiveSeconds: number;
    /** The simulated step time of the ILP's assignment itself (before it is written as a layout string). */
    readonly assignmentStepSeconds: number;
    /** The layout string that describes the ILP's plan, and how many layouts the refinement built. */
    readonly describedLayout: string;
    readonly builds: number;
  };
}

/** How to search. */
export interface PlanSearchOptions {
  readonly cluster: ClusterSpec;
  readonly devices: number;
  /** Bytes per device the plan may use (default: the device's memory). */
  readonly memoryBytes?: number;
  readonly dtype?: Dtype;
  /** Mesh shapes to try (default: meshShapes(devices)). */
  readonly meshes?: readonly (readonly MeshAxis[])[];
  /** Called with one line before each candidate, and when the search ends. */
  readonly progress?: (line: string) => void;
  /** Layout strings built and simulated per candidate while refining the ILP's (default 8). */
  readonly buildBudget?: number;
  /** Also try meshes whose inner (model) axis spans several nodes (default: not, when the devices fill more than one node). */
  readonly acrossNodes?: boolean;
  /** Simulate the user's binding as a row (default true; the pipeline search plans stage meshes without one). */
  readonly includeYours?: boolean;
}

/** What the search found. */
export interface PlanSearchResult {
  /** Ranked: best first (those that fit in memory, by step time), the user's binding among them. */
  readonly rows: readonly PlanRow[];
  /** The best plan the search found (the first `plan` row). */
  readonly best: PlanRow | undefined;
  /** Wall time of the whole search, seconds. */
  readonly seconds: number;
  /** Candidates with no plan that fits (their row, if any, is the fastest plan without the memory limit, marked over), with why. */
  readonly skipped: readonly { readonly mesh: string; readonly weightUpdateSharding?: string; readonly reason: string }[];
}

function simulatedRow(program: Program, lowered: Program, cluster: ClusterSpec, dtype: Dtype, memory: number, kind: PlanRow["kind"]): PlanRow {
  const simulation = simulateProgram(lowered, cluster, { dtype });
  const bytes = explainProgram(lowered).bytesByCollective;
  return {
    kind,
    mesh: program.mesh,
    layout: program.layoutSpec,
    ...(program.weightUpdateSharding === undefined ? {} : { weightUpdateSharding: program.weightUpdateSharding }),
    stepSeconds: simulation.summary.stepSeconds,
    computeSeconds: simulation.summary.computeSeconds,
    exposedCommunicationSeconds: simulation.summary.exposedCommunicationSeconds,
    mfu: simulation.summary.mfu,
    peakMemoryBytes: simulation.memory.peakBytes,
    fits: simulation.memory.peakBytes <= memory,
    communication: Object.fromEntries(Object.entries(bytes).filter(([kindName, value]) => kindName !== "localSlice" && value > 0)),
  };
}

/** The passes before assignShardings, on `program`. */
function prepared(program: Program): Program {
  let current = program;
  for (const pass of passesWith()) {
    if (pass.name === "assignShardings") return current;
    current = pass.run(current);
  }
  return current;
}

/** Search plans for `global` (a program as the front end reads it; see the module comment). */
export function searchPlans(global: Program, options: PlanSearchOptions): PlanSearchResult {
  const started = performance.now();
  const dtype = options.dtype ?? global.dtype;
  const memory = options.memoryBytes ?? options.cluster.device.memoryBytes;
  const names: [string, string] = global.mesh.length === 2 ? [global.mesh[0].name, global.mesh[1].name] : ["data", "model"];
  // the inner (model) axis kept inside a node, as Megatron-LM keeps tensor parallelism: its collectives run on every layer
  const perNode = options.cluster.devicesPerNode;
  const meshes = options.meshes ?? meshShapes(options.devices, names).filter((mesh) => options.acrossNodes === true || options.devices <= perNode || (mesh.find((axis) => axis.name === names[1])?.size ?? 1) <= perNode);
  const keptRules = global.openLayout ? global.layout : [];
  const rows: PlanRow[] = [];
  const skipped: PlanSearchResult["skipped"][number][] = [];
  // weight-update sharding over the outer (data) axis, for a training step (a program that takes gradients)
  const training = (global.gradients ?? []).length > 0;
  const updateAxes = (mesh: readonly MeshAxis[]): (string | undefined)[] => (training && mesh[0].name === names[0] && mesh[0].size > 1 ? [undefined, mesh[0].name] : [undefined]);
  const candidates = meshes.flatMap((mesh) => updateAxes(mesh).map((update) => ({ mesh, update })));
  candidates.forEach(({ mesh, update }, index) => {
    const label = `${formatMesh(mesh)}${update ? `, weight-update sharding over ${update}` : ""}`;
    options.progress?.(`plan ${global.name}: ${index + 1}/${candidates.length} [${label}] (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    const rules = keptRules.filter((rule) => mesh.some((axis) => axis.name === rule.axis));
    const open: Program = {
      ...global, mesh, layoutSpec: [...rules.map((rule) => `${rule.dim}:${rule.axis}`), "auto"].join(", "), layout: rules, openLayout: true,
      ...(update === undefined ? { weightUpdateSharding: undefined } : { weightUpdateSharding: update }),
    };
    try {
      let report: OptimizeReport | undefined;
      const before = prepared(open);
      const costs = clusterPlanCosts(mesh, options.cluster, dtype);
      // when nothing fits: the fastest plan without the limit, shown as over memory (so the table says by how much)
      const assignment = optimize(before, { costs, memoryLimit: memory, overMemoryFallback: true, onSolved: (found) => (report = found) });
      const overMemory = (report as OptimizeReport | undefined)?.overMemory;
      if (overMemory !== undefined) skipped.push({ mesh: formatMesh(mesh), ...(update === undefined ? {} : { weightUpdateSharding: update }), reason: overMemory });
      const own = simulateProgram(lower({ ...before, assignment }), options.cluster, { dtype }).summary.stepSeconds;
      const built = new Map<string, PlanRow | undefined>();
      const build = (rules: readonly LayoutRule[]): PlanRow | undefined => {
        const layoutSpec = formatRules(before, [...rules, ...keptRules.filter((rule) => mesh.some((axis) => axis.name === rule.axis) && !rules.some((other) => other.dim === rule.dim))]);
        if (built.has(layoutSpec)) return built.get(layoutSpec);
        const planned: Program = { ...open, layoutSpec, layout: parseLayout(layoutSpec), openLayout: undefined };
        let row: PlanRow | undefined;
        try {
          row = simulatedRow(planned, compileProgram(planned), options.cluster, dtype, memory, "plan");
        } catch (error) {
          if (!(error instanceof CompileError)) throw error;
        }
        built.set(layoutSpec, row);
        return row;
      };
      const better = (first: PlanRow | undefined, second: PlanRow | undefined): boolean =>
        first !== undefined && (second === undefined || (first.fits && !second.fits) || (first.fits === second.fits && first.stepSeconds < second.stepSeconds));
      const described = layoutRulesOf(before, assignment);
      const splits = rankedSplits(before, assignment).map((entry) => entry.rule);
      let rules = described;
      let row = build(rules);
      for (let moved = true; moved && built.size < (options.buildBudget ?? 8);) {
        moved = false;
        const neighbours = [
          ...rules.map((dropped) => rules.filter((rule) => rule !== dropped)),
          ...splits.filter((rule) => canAddRule(before, rules, rule)).map((added) => [...rules, added]),
          // a split dim also over another axis (the ILP plans one axis per dim; a layout may give it several)
          ...rules.flatMap((rule) => mesh.map((axis) => ({ dim: rule.dim, axis: axis.name })).filter((wider) => canWidenRule(before, rules, wider)).map((wider) => [...rules, wider])),
        ];
        for (const neighbour of neighbours) {
          if (built.size >= (options.buildBudget ?? 8)) break;
          const candidate = build(neighbour);
          if (better(candidate, row)) {
            rules = neighbour;
            row = candidate;
            moved = true;
            break;
          }
        }
      }
      if (row === undefined) throw new Error(`plan: the layout "${formatRules(before, described)}" that describes the plan does not compile`);
      const ilp = report === undefined ? undefined : {
        ...report.solution.size, solveSeconds: report.solution.solveSeconds, objectiveSeconds: report.solution.seconds,
        assignmentStepSeconds: own, describedLayout: formatRules(before, described), builds: built.size,
      };
      rows.push({ ...row, ...(ilp === undefined ? {} : { ilp }) });
    } catch (error) {
      if (!(error instanceof CompileError)) throw error;
      const reason = error.diagnostics[0]?.message ?? String(error);
      if (skipped.at(-1)?.reason !== reason) skipped.push({ mesh: formatMesh(mesh), ...(update === undefined ? {} : { weightUpdateSharding: update }), reason });
    }
  });
  if (options.includeYours !== false) rows.push(simulatedRow(global, compileProgram(global), options.cluster, dtype, memory, "yours"));
  // on a tie the user's binding ranks first: a plan must be faster to replace it (so --write is idempotent)
  rows.sort((first, second) => Number(second.fits) - Number(first.fits) || first.stepSeconds - second.stepSeconds || Number(second.kind === "yours") - Number(first.kind === "yours"));
  const seconds = (performance.now() - started) / 1000;
  options.progress?.(`plan ${global.name}: searched ${candidates.length} plans in ${seconds.toFixed(1)} s`);
  return { rows, best: rows.find((row) => row.kind === "plan"), seconds, skipped };
}
