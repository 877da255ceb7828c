/**
 * The `optimize` strategy: every value's sharding chosen by an integer
 * program (Alpa's intra-op ILP) at the least predicted time under a
 * per-device memory limit, solved exactly with HiGHS. The program's
 * constraints (the layout's rules, relayouts, weight-update rules) restrict
 * each value's candidates; the dims an open layout leaves free are the
 * solver's. Needs HiGHS loaded (`await loadSolver()`) and a cost model.
 */
import { CompileError, diagnostic } from "../../../diagnostics/diagnostic.ts";
import { plannerMessages } from "../../../diagnostics/plannerMessages.ts";
import type { Program, Sharding, ValueId, ValueTree } from "../../../ir/ir.ts";
import type { HeldSharding, OpStrategy, ShardingAssignment } from "../../../ir/shardingAssignment.ts";
import type { ShardingStrategy } from "../assignShardings.ts";
import { NoPlanError, solvePlan, type PlanSolution } from "./ilp.ts";
import { buildPlanGraph, wholeOf, type PlanGraph } from "./planGraph.ts";
import type { PlanCosts } from "./planCosts.ts";
import { solver } from "./solver.ts";

/** How `optimize` is asked to plan. */
export interface OptimizeOptions {
  readonly costs: PlanCosts;
  /** Bytes per device the resident values (params, optimizer state, saved activations) may take; default: no limit. */
  readonly memoryLimit?: number;
  /** Called with what the solve found (for `meshtype plan` and the bench). */
  readonly onSolved?: (report: OptimizeReport) => void;
  /**
   * When nothing fits under `memoryLimit`, solve the same ILP again without
   * it (the report's `overMemory` says so) instead of throwing MT5202; for
   * `meshtype plan`, which shows such plans marked over memory.
   */
  readonly overMemoryFallback?: boolean;
}

/** What one solve found: the ILP's size and time, and its objective. */
export interface OptimizeReport {
  readonly program: string;
  readonly nodes: number;
  readonly candidates: number;
  readonly solution: PlanSolution;
  /** Why no plan fit under the memory limit, when overMemoryFallback solved it again without. */
  readonly overMemory?: string;
}

function treeLeaves(tree: ValueTree, out: ValueId[] = []): ValueId[] {
  if (tree.kind === "tensor") out.push(tree.value);
  else if (tree.kind === "array") tree.items.forEach((item) => treeLeaves(item, out));
  else Object.values(tree.fields).forEach((item) => treeLeaves(item, out));
  return out;
}

/** The assignment that a choice of candidates gives. */
export function assignmentOf(graph: PlanGraph, choice: readonly number[]): ShardingAssignment {
  const ops = new Map<ValueId, OpStrategy>();
  const held = new Map<ValueId, HeldSharding>();
  for (const node of graph.nodes) {
    const candidate = node.candidates[choice[node.index]];
    for (const [id, strategy] of candidate.strategies) ops.set(id, strategy);
    for (const [id, sharding] of candidate.held) held.set(id, { sharding, source: { kind: "solver" } });
  }
  const results = new Map<ValueId, Sharding>();
  for (const leaf of treeLeaves(graph.program.result)) {
    const value = held.get(leaf);
    if (value === undefined) throw new Error(`optimize: result %${leaf} has no sharding`);
    results.set(leaf, wholeOf(value.sharding));
  }
  return { strategy: "optimize", ops, held, results };
}

/** Plan `program` with the ILP (see the module comment). Throws MT5202 when no plan meets the constraints and the memory limit. */
export function optimize(program: Program, options: OptimizeOptions): ShardingAssignment {
  const severalAxes = program.layout.find((rule, index) => rule.padded === true || program.layout.some((other, at) => at !== index && other.dim === rule.dim));
  if (severalAxes !== undefined) {
    throw new CompileError([diagnostic(plannerMessages.severalAxes, { program: program.name, dim: severalAxes.dim, layout: program.layoutSpec }, program.loc)]);
  }
  const graph = buildPlanGraph(program, options.costs);
  let solution: PlanSolution;
  let overMemory: string | undefined;
  try {
    try {
      solution = solvePlan(graph, options.costs, options.memoryLimit ?? Infinity, solver());
    } catch (error) {
      if (!(error instanceof NoPlanError) || options.overMemoryFallback !== true || options.memoryLimit === undefined) throw error;
      // the same graph, without the limit: built once
      overMemory = error.message;
      solution = solvePlan(graph, options.costs, Infinity, solver());
    }
  } catch (error) {
    if (!(error instanceof NoPlanError)) throw error;
    const limit = options.memoryLimit === undefined ? "no memory limit" : `a limit of ${options.memoryLimit} bytes per device`;
    throw new CompileError([diagnostic(plannerMessages.noPlan, { program: program.name, layout: program.layoutSpec, limit, reason: error.message }, program.loc)]);
  }
  const candidates = graph.nodes.reduce((total, node) => total + node.candidates.length, 0);
  options.onSolved?.({ program: program.name, nodes: graph.nodes.length, candidates, solution, ...(overMemory === undefined ? {} : { overMemory }) });
  return assignmentOf(graph, solution.choice);
}

/** The optimize strategy with these options, for `assignShardings`. */
export function optimizeStrategy(options: OptimizeOptions): ShardingStrategy {
  return { name: "optimize", assign: (program) => optimize(program, options) };
}
