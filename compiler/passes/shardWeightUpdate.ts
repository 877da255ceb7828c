/**
 * shardWeightUpdate: weight-update sharding (Xu et al. 2020, "Automatic
 * Cross-Replica Sharding of Weight Update in Data-Parallel Training", the
 * GSPMD pass; ZeRO stage 1-2 in DeepSpeed), asked for with
 * `program(step, { mesh, layout, weightUpdateSharding: "data" })`.
 *
 * In a data-parallel training step every device holds the whole weights,
 * the gradients are pending sums over the data axis, and every device would
 * all-reduce them and run the same optimizer update. This pass instead asks
 * `assignShardings` to run the update on a 1/n shard per device: it finds the update
 * (the element-wise ops that lead to a result, walking back from each result
 * until an op that is not element-wise: an einsum or reduction of the
 * backward, a param, a loop), chooses for each updated tensor its first dim
 * that the layout leaves whole and that the axis size divides, and puts a
 * rule `dim:axis` (in `program.valueRules`) on
 *
 * - every value of the update but the new weights themselves, so the
 *   gradients are reduce-scattered (partial -> split) instead of all-reduced,
 *   and the weights are sliced locally where the update reads them;
 * - optimizer state params (params that only the update reads) and the state
 *   results, so optimizer state stays sharded between steps (in and out).
 *
 * The new weights are left to the layout (replicated on the axis), so the compiler
 * all-gathers them at the result. Communication per weight of P bytes goes
 * from 2(n-1)/n P (all-reduce) to (n-1)/n P (reduce-scatter) + (n-1)/n P
 * (all-gather), and the optimizer's compute and state memory shrink by n.
 *
 * A result is new weights when the update reaches a param that the rest of
 * the program (the forward) also reads without passing through another
 * result; otherwise it is optimizer state (e.g. Adam's `m` reaches only its
 * own state param and the gradient). Only rules are added: the values stay
 * the same, so the step gives the same numbers as without the option.
 */
import type { LayoutRule } from "../../dsl/parseLayout.ts";
import type { Dim } from "../../dsl/tensor.ts";
import type { Block, Loop, Op, Program, ValueId, ValueTree } from "../ir/ir.ts";
import { isLoop } from "../ir/opAttrs.ts";

/** Element-wise ops: the update is made of these. */
function isElementwise(op: Op): boolean {
  return op.op === "unary" || op.op === "binary" || op.op === "where";
}

function treeLeaves(tree: ValueTree, out: ValueId[] = []): ValueId[] {
  if (tree.kind === "tensor") out.push(tree.value);
  else if (tree.kind === "array") tree.items.forEach((item) => treeLeaves(item, out));
  else Object.values(tree.fields).forEach((item) => treeLeaves(item, out));
  return out;
}

/** Every use of every value: the consuming op or loop, or "result". */
function usesOf(program: Program): Map<ValueId, (Op | Loop | "result")[]> {
  const uses = new Map<ValueId, (Op | Loop | "result")[]>();
  const use = (id: ValueId, by: Op | Loop | "result"): void => {
    const list = uses.get(id) ?? [];
    list.push(by);
    uses.set(id, list);
  };
  const visit = (block: Block): void => {
    for (const statement of block) {
      if (isLoop(statement)) {
        statement.carried.forEach((entry) => use(entry.init, statement));
        statement.indexed.forEach((entry) => entry.items.forEach((item) => use(item, statement)));
        visit(statement.body);
      } else {
        statement.inputs.forEach((input) => use(input, statement));
      }
    }
  };
  visit(program.body);
  treeLeaves(program.result).forEach((leaf) => use(leaf, "result"));
  return uses;
}

/** The update: which dim each of its values is sharded on, its ops, and the values it reads that it does not compute. */
interface Update {
  readonly dimOf: Map<ValueId, string>;
  readonly ops: Set<Op>;
  readonly reads: Map<ValueId, string>;
}

/** The weight-update sharding pass (see the module comment). */
export function shardWeightUpdate(program: Program): Program {
  const axisName = program.weightUpdateSharding;
  if (axisName === undefined) return program;
  const axis = program.mesh.find((entry) => entry.name === axisName);
  if (axis === undefined) throw new Error(`shardWeightUpdate: "${program.name}" has no mesh axis "${axisName}"`);
  if (axis.size === 1) return program;
  const ruled = new Set(program.layout.map((rule) => rule.dim));
  const onAxis = new Set(program.layout.filter((rule) => rule.axis === axisName).map((rule) => rule.dim));
  const dims = (id: ValueId): readonly Dim[] => program.values.get(id)?.dims ?? [];
  const defs = new Map<ValueId, Op>();
  for (const statement of program.body) if (!isLoop(statement)) defs.set(statement.output, statement);

  const results = treeLeaves(program.result);
  const update: Update = { dimOf: new Map(), ops: new Set(), reads: new Map() };
  for (const result of results) {
    if (dims(result).some((dim) => onAxis.has(dim.name))) continue;
    const dim = update.dimOf.get(result) ?? dims(result).find((entry) => !ruled.has(entry.name) && entry.size % axis.size === 0)?.name;
    if (dim !== undefined) collectUpdate(result, dim, update, defs, dims);
  }

  const uses = usesOf(program);
  const onlyUpdateReads = (id: ValueId): boolean => (uses.get(id) ?? []).every((by) => by !== "result" && !isLoop(by) && update.ops.has(by));
  const isParam = (id: ValueId): boolean => defs.get(id)?.op === "param";
  const weights = new Set([...update.reads.keys()].filter((id) => isParam(id) && !onlyUpdateReads(id)));
  const resultSet = new Set(results);
  const isNewWeights = (result: ValueId): boolean => reachesWeights(result, resultSet, weights, update, defs);

  const valueRules = new Map<ValueId, readonly LayoutRule[]>(program.valueRules ?? []);
  for (const [id, dim] of update.dimOf) {
    if (resultSet.has(id) && isNewWeights(id)) continue;
    valueRules.set(id, [{ dim, axis: axisName }]);
  }
  for (const [id, dim] of update.reads) {
    if (isParam(id) && !weights.has(id)) valueRules.set(id, [{ dim, axis: axisName }]);
  }
  return { ...program, valueRules };
}

/** Walk back from `start` through element-wise ops whose values have `dim`, recording them in `update`. */
function collectUpdate(start: ValueId, dim: string, update: Update, defs: ReadonlyMap<ValueId, Op>, dims: (id: ValueId) => readonly Dim[]): void {
  const stack = [start];
  while (stack.length > 0) {
    const id = stack.pop() as ValueId;
    if (update.dimOf.has(id) || update.reads.has(id) || !dims(id).some((entry) => entry.name === dim)) continue;
    const op = defs.get(id);
    if (op === undefined || !isElementwise(op)) {
      update.reads.set(id, dim);
      continue;
    }
    update.dimOf.set(id, dim);
    update.ops.add(op);
    stack.push(...op.inputs);
  }
}

/** Whether the update of `result` reads a weight (a param the forward reads too) without passing through another result. */
function reachesWeights(result: ValueId, results: ReadonlySet<ValueId>, weights: ReadonlySet<ValueId>, update: Update, defs: ReadonlyMap<ValueId, Op>): boolean {
  const seen = new Set<ValueId>();
  const stack = [result];
  while (stack.length > 0) {
    const id = stack.pop() as ValueId;
    if (seen.has(id)) continue;
    seen.add(id);
    if (weights.has(id)) return true;
    if (id !== result && results.has(id)) continue;
    const op = defs.get(id);
    if (op && update.ops.has(op)) stack.push(...op.inputs);
  }
  return false;
}
