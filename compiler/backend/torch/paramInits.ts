/**
 * How the torch launcher's `--init-seed` creates each parameter leaf, from
 * what the program does with it (written into `<name>_meta` as each leaf's
 * `init`):
 *
 * - `{ kind: "integers", high }`: token ids and labels, the leaves read as
 *   the ids of a `oneHot` or a `gather` over a dim of size `high` (through
 *   renames, relayouts, collectives and loops): seeded uniform integers in
 *   [0, high);
 * - `{ kind: "zeros" }`: optimizer state (AdamW's step count and moments,
 *   SGD's momentum), the params a training step returns updated but that
 *   neither its loss nor its backward reads, as `initAdamWState` makes them;
 * - absent: seeded normal values (weights, activations).
 *
 * A random normal step count or second moment makes the update NaN, and a
 * random normal id selects nothing, so these matter.
 */
import { optimizerStateParams } from "../../explain/memory.ts";
import type { Block, Program, ValueId, ValueTree } from "../../ir/ir.ts";
import { isLoop, loopYields, walkOps } from "../../ir/opAttrs.ts";

/** How `--init-seed` makes one leaf (absent: normal values). */
export type LeafInit = { readonly kind: "integers"; readonly high: number } | { readonly kind: "zeros" };

/** Ops that pass a value through unchanged (for where ids come from). */
const passThrough: ReadonlySet<string> = new Set(["rename", "relayout", "transpose", "allReduce", "allGather", "reduceScatter", "allToAll", "localSlice"]);

/** Per value, what it is read as: each value's sources (the values it passes on unchanged), to find the params behind an id input. */
function sourcesOf(program: Program): Map<ValueId, ValueId[]> {
  const sources = new Map<ValueId, ValueId[]>();
  const add = (to: ValueId, from: ValueId): void => {
    sources.set(to, [...(sources.get(to) ?? []), from]);
  };
  const visit = (block: Block): void => {
    for (const statement of block) {
      if (!isLoop(statement)) {
        if (passThrough.has(statement.op)) add(statement.output, statement.inputs[0]);
        continue;
      }
      statement.carried.forEach((entry) => add(entry.param, entry.init));
      statement.indexed.forEach((entry) => entry.items.forEach((item) => add(entry.param, item)));
      loopYields(statement).forEach((entry) => entry.items.forEach((item) => add(item, entry.result)));
      visit(statement.body);
    }
  };
  visit(program.body);
  return sources;
}

function treeLeaves(tree: ValueTree, out: ValueId[] = []): ValueId[] {
  if (tree.kind === "tensor") out.push(tree.value);
  else if (tree.kind === "array") tree.items.forEach((item) => treeLeaves(item, out));
  else Object.values(tree.fields).forEach((item) => treeLeaves(item, out));
  return out;
}

/** The `init` of every param leaf of a lowered program that is not made of normal values, by value id (see the module comment). */
export function paramInits(program: Program): Map<ValueId, LeafInit> {
  const inits = new Map<ValueId, LeafInit>();
  const params = new Set<ValueId>();
  for (const param of program.params) treeLeaves(param.tree).forEach((leaf) => params.add(leaf));
  const sources = sourcesOf(program);
  const markIds = (id: ValueId, high: number, seen = new Set<ValueId>()): void => {
    if (seen.has(id)) return;
    seen.add(id);
    if (params.has(id)) inits.set(id, { kind: "integers", high });
    for (const source of sources.get(id) ?? []) markIds(source, high, seen);
  };
  for (const op of walkOps(program.body)) {
    if (op.op === "oneHot") markIds(op.inputs[0], op.dim.size);
    if (op.op === "gather") {
      const table = program.values.get(op.inputs[0]);
      const size = table?.dims.find((dim) => dim.name === op.dim)?.size;
      if (size !== undefined) markIds(op.inputs[1], size);
    }
  }
  for (const id of optimizerState(program)) if (!inits.has(id)) inits.set(id, { kind: "zeros" });
  return inits;
}

/** The optimizer state params of a training step: what explain's memory report counts as optimizer state. */
function optimizerState(program: Program): readonly ValueId[] {
  return program.gradients && program.gradients.length > 0 ? optimizerStateParams(program) : [];
}
