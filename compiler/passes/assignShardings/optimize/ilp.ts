/**
 * The `optimize` ILP (Alpa's intra-op formulation, solved exactly with
 * HiGHS): one binary per candidate of every node that has a choice, one per
 * node summing to 1; for every edge between two nodes with a choice, one
 * continuous variable per pair of (held sharding of the value, sharding the
 * reader needs) that a conversion can join, with the transportation rows
 * that force it to the product of the two choices (exact for binary
 * choices, and a tighter relaxation than pairwise products); a row for the
 * per-device memory limit. Edges where one side has a single held or needed
 * sharding are folded into the other side's candidate costs, and candidates
 * that cannot be joined to a single-state neighbour are dropped, so the ILP
 * keeps only real choices. The objective is the candidates' and the
 * conversions' seconds, in microseconds.
 */
import type { Highs } from "highs";
import { edgeCost, keyOf, type PlanGraph } from "./planGraph.ts";
import type { PlanCosts } from "./planCosts.ts";

/** The chosen candidate of every node, the objective (seconds per call) and the ILP's size. */
export interface PlanSolution {
  readonly choice: readonly number[];
  readonly seconds: number;
  readonly size: { readonly binaries: number; readonly continuous: number; readonly rows: number };
  /** HiGHS's time for the solve, seconds. */
  readonly solveSeconds: number;
}

/** No candidate of a node can meet the constraints and its neighbours (reported by `optimize` as a diagnostic). */
export class NoPlanError extends Error {
  constructor(readonly node: string, message: string) {
    super(message);
  }
}

const SCALE = 1e6;

interface PairEdge {
  readonly from: number;
  readonly to: number;
  /** Per candidate of `from` / `to`: the index of its held / needed state. */
  readonly heldIndex: readonly number[];
  readonly neededIndex: readonly number[];
  /** cost[h][r] seconds, undefined where no conversion joins them. */
  readonly cost: readonly (readonly (number | undefined)[])[];
}

function distinct<T>(items: readonly T[], key: (item: T) => string): { index: number[]; size: number } {
  const seen = new Map<string, number>();
  const index = items.map((item) => {
    const found = seen.get(key(item));
    if (found !== undefined) return found;
    seen.set(key(item), seen.size);
    return seen.size - 1;
  });
  return { index, size: seen.size };
}

/**
 * Drop dominated candidates: two candidates of a node that hold every value
 * its readers read in the same sharding, and read every operand in the same
 * sharding, cost the same on every edge; the one that costs more time and
 * no less memory can never be better.
 */
function dropDominated(graph: PlanGraph, cost: readonly (readonly number[])[], alive: boolean[][]): void {
  const signature = graph.nodes.map((node) => node.candidates.map(() => [] as string[]));
  for (const edge of graph.edges) {
    graph.nodes[edge.from].candidates.forEach((candidate, k) => signature[edge.from][k].push(keyOf(graph, candidate.held.get(edge.value)!)));
    edge.required.forEach((state, l) => signature[edge.to][l].push(keyOf(graph, state)));
  }
  graph.nodes.forEach((node, index) => {
    const best = new Map<string, number[]>();
    node.candidates.forEach((candidate, k) => {
      if (!alive[index][k]) return;
      const key = signature[index][k].join(" ");
      const rivals = best.get(key) ?? [];
      if (rivals.some((other) => cost[index][other] <= cost[index][k] && node.candidates[other].memory <= candidate.memory)) {
        alive[index][k] = false;
        return;
      }
      const kept = rivals.filter((other) => {
        const beaten = cost[index][k] <= cost[index][other] && candidate.memory <= node.candidates[other].memory;
        if (beaten) alive[index][other] = false;
        return !beaten;
      });
      best.set(key, [...kept, k]);
    });
  });
}

/** Fold single-state edges into node costs, drop what cannot be joined, and keep the pair edges. */
function reduce(graph: PlanGraph, costs: PlanCosts): { cost: number[][]; alive: boolean[][]; pairs: PairEdge[] } {
  const cost = graph.nodes.map((node) => node.candidates.map((candidate) => candidate.cost));
  const alive = cost.map((list) => list.map((value) => Number.isFinite(value)));
  dropDominated(graph, cost, alive);
  const pairs: PairEdge[] = [];
  for (const edge of graph.edges) {
    const fromNode = graph.nodes[edge.from];
    const held = fromNode.candidates.map((candidate) => candidate.held.get(edge.value)!);
    const heldStates = distinct(held, (state) => keyOf(graph, state));
    const needed = distinct(edge.required, (state) => keyOf(graph, state));
    const heldOf = (state: number) => held[heldStates.index.indexOf(state)];
    const neededOf = (state: number) => edge.required[needed.index.indexOf(state)];
    const matrix = Array.from({ length: heldStates.size }, (_, h) =>
      Array.from({ length: needed.size }, (_, r) => edgeCost(graph, costs, edge, heldOf(h), neededOf(r))));
    if (heldStates.size === 1 || needed.size === 1) {
      if (heldStates.size === 1) {
        edge.required.forEach((_, l) => {
          const value = matrix[0][needed.index[l]];
          if (value === undefined) alive[edge.to][l] = false;
          else cost[edge.to][l] += value;
        });
      } else {
        held.forEach((_, k) => {
          const value = matrix[heldStates.index[k]][0];
          if (value === undefined) alive[edge.from][k] = false;
          else cost[edge.from][k] += value;
        });
      }
      continue;
    }
    pairs.push({ from: edge.from, to: edge.to, heldIndex: heldStates.index, neededIndex: needed.index, cost: matrix });
  }
  return { cost, alive, pairs };
}

/** Solve the plan graph exactly under `memoryLimit` bytes per device (see the module comment). Throws NoPlanError when nothing is feasible. */
export function solvePlan(graph: PlanGraph, costs: PlanCosts, memoryLimit: number, highs: Highs): PlanSolution {
  const { cost, alive, pairs } = reduce(graph, costs);
  graph.nodes.forEach((node, index) => {
    if (!alive[index].some(Boolean)) throw new NoPlanError(node.label, `no candidate of ${node.label} meets its constraints and its neighbours`);
  });
  const column = graph.nodes.map((node) => node.candidates.map(() => -1));
  const colCost: number[] = [];
  const colUpper: number[] = [];
  const integrality: number[] = [];
  const addColumn = (objective: number, integer: boolean): number => {
    colCost.push(objective * SCALE);
    colUpper.push(1);
    integrality.push(integer ? 1 : 0);
    return colCost.length - 1;
  };
  let constant = 0;
  let constantMemory = 0;
  graph.nodes.forEach((node, index) => {
    const live = node.candidates.map((_, k) => k).filter((k) => alive[index][k]);
    if (live.length === 1) {
      constant += cost[index][live[0]];
      constantMemory += node.candidates[live[0]].memory;
    } else for (const k of live) column[index][k] = addColumn(cost[index][k], true);
  });
  const rows: { entries: [number, number][]; lower: number; upper: number }[] = [];
  graph.nodes.forEach((node, index) => {
    const entries = node.candidates.flatMap((_, k): [number, number][] => (column[index][k] >= 0 ? [[column[index][k], 1]] : []));
    if (entries.length > 0) rows.push({ entries, lower: 1, upper: 1 });
  });
  const memory: [number, number][] = [];
  graph.nodes.forEach((node, index) => node.candidates.forEach((candidate, k) => {
    if (column[index][k] >= 0 && candidate.memory > 0) memory.push([column[index][k], candidate.memory]);
  }));
  if (Number.isFinite(memoryLimit) && memory.length > 0) rows.push({ entries: memory, lower: -Infinity, upper: memoryLimit - constantMemory });
  let continuous = 0;
  for (const pair of pairs) {
    const heldRows = pair.cost.map(() => [] as [number, number][]);
    const neededRows = pair.cost[0].map(() => [] as [number, number][]);
    const side = (node: number, index: readonly number[], into: [number, number][][]): boolean => {
      let constantState = -1;
      index.forEach((state, k) => {
        if (!alive[node][k]) return;
        if (column[node][k] >= 0) into[state].push([column[node][k], -1]);
        else constantState = state;
      });
      return constantState >= 0 ? (into[constantState].push([-1, -1]), true) : false;
    };
    side(pair.from, pair.heldIndex, heldRows);
    side(pair.to, pair.neededIndex, neededRows);
    pair.cost.forEach((row, h) => row.forEach((value, r) => {
      if (value === undefined) return;
      const variable = addColumn(value, false);
      continuous++;
      heldRows[h].push([variable, 1]);
      neededRows[r].push([variable, 1]);
    }));
    for (const entries of [...heldRows, ...neededRows]) {
      const fixed = entries.filter(([variable]) => variable < 0).length;
      rows.push({ entries: entries.filter(([variable]) => variable >= 0), lower: fixed, upper: fixed });
    }
  }
  const binaries = integrality.filter((flag) => flag === 1).length;
  if (colCost.length === 0) {
    const choice = graph.nodes.map((_, index) => alive[index].indexOf(true));
    return { choice, seconds: constant, size: { binaries: 0, continuous: 0, rows: 0 }, solveSeconds: 0 };
  }
  const starts = [0];
  const indices: number[] = [];
  const values: number[] = [];
  for (const row of rows) {
    for (const [variable, coefficient] of row.entries) {
      indices.push(variable);
      values.push(coefficient);
    }
    starts.push(indices.length);
  }
  const bad = colCost.findIndex((value) => !Number.isFinite(value));
  if (bad >= 0 || values.some((value) => !Number.isFinite(value)) || rows.some((row) => Number.isNaN(row.upper) || Number.isNaN(row.lower))) {
    throw new Error(`optimize: the ILP of ${graph.program.name} has a cost or coefficient that is not a finite number (column ${bad}: ${colCost[bad]})`);
  }
  const started = performance.now();
  const solution = highs.withModel(
    {
      numCols: colCost.length,
      numRows: rows.length,
      colCost,
      colLower: colCost.map(() => 0),
      colUpper,
      rowLower: rows.map((row) => (Number.isFinite(row.lower) ? row.lower : -highs.infinity)),
      rowUpper: rows.map((row) => row.upper),
      matrix: { format: "csr", numRows: rows.length, numCols: colCost.length, starts, indices, values },
      integrality: integrality as (0 | 1)[],
    },
    (model) => {
      model.options.set({ output_flag: false, mip_rel_gap: 0, mip_abs_gap: 0 });
      model.run();
      if (model.getModelStatus() !== highs.constants.modelStatus.optimal) {
        throw new NoPlanError("memory", `no plan fits in ${memoryLimit} bytes per device (HiGHS status ${model.getModelStatus()})`);
      }
      return { colValue: model.getSolution().colValue, objective: model.getObjectiveValue() };
    },
  );
  const solveSeconds = (performance.now() - started) / 1000;
  const choice = graph.nodes.map((node, index) => {
    const live = node.candidates.map((_, k) => k).filter((k) => alive[index][k]);
    if (live.length === 1) return live[0];
    return live.reduce((best, k) => (solution.colValue[column[index][k]] > solution.colValue[column[index][best]] ? k : best), live[0]);
  });
  return { choice, seconds: constant + solution.objective / SCALE, size: { binaries, continuous, rows: rows.length }, solveSeconds };
}

/** The objective of a full choice, from the graph alone (no folding): node costs plus edge conversions; undefined when infeasible. */
export function planSeconds(graph: PlanGraph, costs: PlanCosts, choice: readonly number[], memoryLimit = Infinity): number | undefined {
  let total = 0;
  let memory = 0;
  for (const node of graph.nodes) {
    const candidate = node.candidates[choice[node.index]];
    if (!Number.isFinite(candidate.cost)) return undefined;
    total += candidate.cost;
    memory += candidate.memory;
  }
  if (memory > memoryLimit) return undefined;
  for (const edge of graph.edges) {
    const held = graph.nodes[edge.from].candidates[choice[edge.from]].held.get(edge.value)!;
    const value = edgeCost(graph, costs, edge, held, edge.required[choice[edge.to]]);
    if (value === undefined) return undefined;
    total += value;
  }
  return total;
}
