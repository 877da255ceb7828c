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
 *
 * The walk sees through loops: an update over the layers is a loop (a
 * `treeMap` over an array) whose results are yielded items; from an item it
 * goes to the yielded value in the body, and from an indexed value of the
 * body to its items (each layer's weights, state and gradient). A loop's
 * indexed value takes the state its items share, so the rules on the items
 * and on the body's values are what lowering reads.
 */
import type { LayoutRule } from "../../dsl/parseLayout.ts";
import type { Dim } from "../../dsl/tensor.ts";
import type { Block, Loop, Op, Program, ValueId, ValueTree } from "../ir/ir.ts";
import { isLoop, loopYields } from "../ir/opAttrs.ts";

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

/** How a value is defined, as the walk sees it. */
type Definition =
  | { readonly kind: "op"; readonly op: Op }
  /** A yielded item: its value is the body's `result`. */
  | { readonly kind: "yielded"; readonly result: ValueId }
  /** An indexed value of a body: its values are the items. */
  | { readonly kind: "indexed"; readonly items: readonly ValueId[] }
  | { readonly kind: "loop" };

/** A use of a value: an op, an indexed list (its body value is the user), a yield (its items are), a carried value, or the result. */
type Use =
  | { readonly kind: "op"; readonly op: Op }
  | { readonly kind: "indexed"; readonly param: ValueId }
  | { readonly kind: "yield"; readonly items: readonly ValueId[] }
  | { readonly kind: "other" };

const loopDefinition: Definition = { kind: "loop" };
const otherUse: Use = { kind: "other" };

/** Every value's definition and uses, loop bodies included. */
class Graph {
  readonly definitions = new Map<ValueId, Definition>();
  readonly uses = new Map<ValueId, Use[]>();

  constructor(program: Program) {
    this.visit(program.body);
    for (const leaf of treeLeaves(program.result)) this.use(leaf, otherUse);
  }

  private use(id: ValueId, use: Use): void {
    const list = this.uses.get(id);
    if (list === undefined) this.uses.set(id, [use]);
    else list.push(use);
  }

  // Definitions and uses are read-only records: one is shared by all the values it describes
  // (an op's inputs, an indexed list's or a yield's items: one per layer).
  private visit(block: Block): void {
    for (const statement of block) {
      if (!isLoop(statement)) {
        const definition: Definition & Use = { kind: "op", op: statement };
        this.definitions.set(statement.output, definition);
        for (const input of statement.inputs) this.use(input, definition);
        continue;
      }
      this.loop(statement);
    }
  }

  private loop(loop: Loop): void {
    for (const entry of loop.carried) {
      this.definitions.set(entry.param, loopDefinition);
      this.definitions.set(entry.output, loopDefinition);
      this.use(entry.init, otherUse);
    }
    for (const entry of loop.indexed) {
      this.definitions.set(entry.param, { kind: "indexed", items: entry.items });
      const use: Use = { kind: "indexed", param: entry.param };
      for (const item of entry.items) this.use(item, use);
    }
    this.visit(loop.body);
    loop.carried.forEach((entry) => this.use(entry.result, otherUse));
    for (const entry of loopYields(loop)) {
      const definition: Definition = { kind: "yielded", result: entry.result };
      for (const item of entry.items) this.definitions.set(item, definition);
      this.use(entry.result, { kind: "yield", items: entry.items });
    }
  }

  isParam(id: ValueId): boolean {
    const definition = this.definitions.get(id);
    return definition?.kind === "op" && definition.op.op === "param";
  }
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
  const graph = new Graph(program);

  const results = treeLeaves(program.result);
  const update: Update = { dimOf: new Map(), ops: new Set(), reads: new Map() };
  for (const result of results) {
    if (dims(result).some((dim) => onAxis.has(dim.name))) continue;
    const dim = update.dimOf.get(result) ?? dims(result).find((entry) => !ruled.has(entry.name) && entry.size % axis.size === 0)?.name;
    if (dim !== undefined) collectUpdate(result, dim, update, graph, dims);
  }

  const onlyUpdateReads = (id: ValueId, seen = new Set<ValueId>()): boolean => {
    if (seen.has(id)) return true;
    seen.add(id);
    return (graph.uses.get(id) ?? []).every((use) => {
      if (use.kind === "op") return update.ops.has(use.op);
      if (use.kind === "indexed") return onlyUpdateReads(use.param, seen);
      return false;
    });
  };
  const weights = new Set([...update.reads.keys()].filter((id) => graph.isParam(id) && !onlyUpdateReads(id)));
  // Results, and the body values that loops yield as results.
  const resultSet = new Set(results);
  for (const result of results) {
    const definition = graph.definitions.get(result);
    if (definition?.kind === "yielded") resultSet.add(definition.result);
  }
  // Every item a loop yields is the same body value: the walk from it is made once.
  const known = new Map<ValueId, boolean>();
  const isNewWeights = (result: ValueId): boolean => {
    const definition = graph.definitions.get(result);
    const key = definition?.kind === "yielded" ? definition.result : result;
    const cached = known.get(key);
    if (cached !== undefined) return cached;
    const found = reachesWeights(result, resultSet, weights, update, graph);
    known.set(key, found);
    return found;
  };

  const valueRules = new Map<ValueId, readonly LayoutRule[]>(program.valueRules ?? []);
  // one rule list per dim, shared by every value (one per layer and leaf): the passes after this one work per list
  const lists = new Map<string, readonly LayoutRule[]>();
  const rulesFor = (dim: string): readonly LayoutRule[] => {
    let list = lists.get(dim);
    if (list === undefined) lists.set(dim, (list = [{ dim, axis: axisName }]));
    return list;
  };
  for (const [id, dim] of update.dimOf) {
    if (resultSet.has(id) && isNewWeights(id)) continue;
    valueRules.set(id, rulesFor(dim));
  }
  for (const [id, dim] of update.reads) {
    if (graph.isParam(id) && !weights.has(id)) valueRules.set(id, rulesFor(dim));
  }
  return { ...program, valueRules };
}

/**
 * Walk back from `start` through element-wise ops whose values have `dim` (and through yields and
 * indexed values of loops), recording them in `update`.
 */
function collectUpdate(start: ValueId, dim: string, update: Update, graph: Graph, dims: (id: ValueId) => readonly Dim[]): void {
  const stack = [start];
  while (stack.length > 0) {
    const id = stack.pop() as ValueId;
    if (update.dimOf.has(id) || update.reads.has(id) || !dims(id).some((entry) => entry.name === dim)) continue;
    const definition = graph.definitions.get(id);
    if (definition?.kind === "yielded") {
      update.dimOf.set(id, dim);
      stack.push(definition.result);
      continue;
    }
    if (definition?.kind === "indexed") {
      update.dimOf.set(id, dim);
      stack.push(...definition.items);
      continue;
    }
    if (definition?.kind !== "op" || !isElementwise(definition.op)) {
      update.reads.set(id, dim);
      continue;
    }
    update.dimOf.set(id, dim);
    update.ops.add(definition.op);
    stack.push(...definition.op.inputs);
  }
}

/** Whether the update of `result` reads a weight (a param the forward reads too) without passing through another result. */
function reachesWeights(result: ValueId, results: ReadonlySet<ValueId>, weights: ReadonlySet<ValueId>, update: Update, graph: Graph): boolean {
  const seen = new Set<ValueId>();
  const stack = [result];
  // A yielded result is its body value: reaching that value is reaching itself, not another result.
  const own = graph.definitions.get(result);
  const self = new Set([result, ...(own?.kind === "yielded" ? [own.result] : [])]);
  while (stack.length > 0) {
    const id = stack.pop() as ValueId;
    if (seen.has(id)) continue;
    seen.add(id);
    if (weights.has(id)) return true;
    if (!self.has(id) && results.has(id)) continue;
    const definition = graph.definitions.get(id);
    if (definition?.kind === "yielded" && update.dimOf.has(id)) stack.push(definition.result);
    else if (definition?.kind === "indexed" && update.dimOf.has(id)) {
      // Every item of one list is the same kind of value (a layer's weight, state or gradient): the first one tells.
      if (definition.items.some((item) => weights.has(item))) return true;
      stack.push(definition.items[0]);
    }
    else if (definition?.kind === "op" && update.ops.has(definition.op)) stack.push(...definition.op.inputs);
  }
  return false;
}
