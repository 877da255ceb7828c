/**
 * fuseLoops: merge a loop into the loop before it in the same block when
 * both run the same number of iterations and the second reads the first's
 * yielded items only in order (item k in iteration k) and none of its
 * carried outputs. The optimizer update of a training step is three maps
 * over the layers (AdamW's m, v and the weights); fused, they are one loop
 * whose body reads each layer's gradient once, so a pending sum is reduced
 * once per layer instead of once per map, and the items that only the
 * second loop read need not be kept.
 *
 * Statements between the two loops that do not depend on the first are
 * moved in front of it; a loop that needs a value depending on the first
 * loop's outputs (other than through in-order items) is left alone. Indexed
 * lists with the same items become one; yields that nothing reads after the
 * merge are dropped (unless they are results).
 */
import type { Block, Loop, LoopYield, Op, Program, Value, ValueId, ValueTree } from "../ir/ir.ts";
import { isLoop, loopOutputs, loopYields } from "../ir/opAttrs.ts";

function treeLeaves(tree: ValueTree, out: ValueId[] = []): ValueId[] {
  if (tree.kind === "tensor") out.push(tree.value);
  else if (tree.kind === "array") tree.items.forEach((item) => treeLeaves(item, out));
  else Object.values(tree.fields).forEach((item) => treeLeaves(item, out));
  return out;
}

/** The values a statement reads from the block around it (a loop: inits, items, and what its body reads from outside). */
function outsideReads(statement: Op | Loop): ValueId[] {
  if (!isLoop(statement)) return [...statement.inputs];
  const inside = new Set<ValueId>([...statement.carried.map((entry) => entry.param), ...statement.indexed.map((entry) => entry.param)]);
  const reads: ValueId[] = [...statement.carried.map((entry) => entry.init), ...statement.indexed.flatMap((entry) => entry.items)];
  for (const inner of statement.body) {
    for (const id of outsideReads(inner)) if (!inside.has(id)) reads.push(id);
    (isLoop(inner) ? loopOutputs(inner) : [inner.output]).forEach((id) => inside.add(id));
  }
  for (const id of [...statement.carried.map((entry) => entry.result), ...loopYields(statement).map((entry) => entry.result)]) if (!inside.has(id)) reads.push(id);
  return reads;
}

function definedBy(statement: Op | Loop): ValueId[] {
  return isLoop(statement) ? loopOutputs(statement) : [statement.output];
}

/** `statement` with every read of a renamed value replaced (inside loop bodies too). */
function rename(statement: Op | Loop, map: ReadonlyMap<ValueId, ValueId>): Op | Loop {
  const to = (id: ValueId): ValueId => map.get(id) ?? id;
  if (!isLoop(statement)) return statement.inputs.some((id) => map.has(id)) ? { ...statement, inputs: statement.inputs.map(to) } : statement;
  return {
    ...statement,
    carried: statement.carried.map((entry) => ({ ...entry, init: to(entry.init), result: to(entry.result) })),
    indexed: statement.indexed.map((entry) => ({ ...entry, items: entry.items.map(to) })),
    ...(statement.yields ? { yields: statement.yields.map((entry) => ({ ...entry, result: to(entry.result) })) } : {}),
    body: statement.body.map((inner) => rename(inner, map)),
  };
}

function sameItems(a: readonly ValueId[], b: readonly ValueId[]): boolean {
  return a.length === b.length && a.every((id, index) => id === b[index]);
}

/** The merge of `second` into `first`, or undefined when `second` reads `first` other than item k in iteration k. */
function merge(first: Loop, second: Loop, firstOutputs: ReadonlySet<ValueId>): Loop | undefined {
  if (first.count !== second.count) return undefined;
  const byItems = new Map<ValueId, { source: LoopYield; index: number }>();
  for (const source of loopYields(first)) source.items.forEach((item, index) => byItems.set(item, { source, index }));
  const map = new Map<ValueId, ValueId>();
  const indexed = [...first.indexed];
  for (const entry of second.indexed) {
    const yielded = byItems.get(entry.items[0]);
    if (yielded && sameItems(entry.items, yielded.source.items)) {
      map.set(entry.param, yielded.source.result);
      continue;
    }
    if (entry.items.some((item) => firstOutputs.has(item))) return undefined;
    const same = indexed.find((other) => sameItems(other.items, entry.items));
    if (same) map.set(entry.param, same.param);
    else indexed.push(entry);
  }
  const secondReads = outsideReads({ ...second, indexed: [] });
  if (second.carried.some((entry) => firstOutputs.has(entry.init)) || secondReads.some((id) => firstOutputs.has(id))) return undefined;
  const renamed = rename({ ...second, indexed: [] }, map) as Loop;
  const yields = [...loopYields(first), ...loopYields(renamed)];
  return { ...first, carried: [...first.carried, ...renamed.carried], indexed, ...(yields.length > 0 ? { yields } : {}), body: [...first.body, ...renamed.body] };
}

/**
 * Fuse the loops of one block (see the module comment). `usedOutside` holds the values read from
 * outside the block: the program's result and recorded gradients, or a loop's carried and yielded results.
 */
function fuseBlock(block: Block, usedOutside: UsedSet): (Op | Loop)[] {
  let out: (Op | Loop)[] = block.map((statement) => {
    if (!isLoop(statement)) return statement;
    // the outer set (a program's results: one per layer and leaf) is consulted, not copied
    const own = new Set([...statement.carried.map((entry) => entry.result), ...loopYields(statement).map((entry) => entry.result)]);
    const results: UsedSet = { has: (id) => own.has(id) || usedOutside.has(id) };
    const body = fuseBlock(statement.body, results);
    return body.every((inner, index) => inner === statement.body[index]) && body.length === statement.body.length ? statement : { ...statement, body };
  });
  for (let index = 0; index < out.length; index++) {
    const second = out[index];
    if (!isLoop(second)) continue;
    const firstIndex = findLastLoop(out, index);
    if (firstIndex < 0) continue;
    const first = out[firstIndex] as Loop;
    const between = out.slice(firstIndex + 1, index);
    const firstOutputs = new Set(loopOutputs(first));
    // What depends on the first loop among the statements between (besides its outputs); the second loop may not read those.
    const tainted = new Set<ValueId>();
    const stay: (Op | Loop)[] = [];
    const move: (Op | Loop)[] = [];
    for (const statement of between) {
      if (outsideReads(statement).some((id) => firstOutputs.has(id) || tainted.has(id))) {
        definedBy(statement).forEach((id) => tainted.add(id));
        stay.push(statement);
      } else {
        move.push(statement);
      }
    }
    if (outsideReads(second).some((id) => tainted.has(id) && !firstOutputs.has(id))) continue;
    const fused = merge(first, second, firstOutputs);
    if (!fused) continue;
    out = [...out.slice(0, firstIndex), ...move, fused, ...stay, ...out.slice(index + 1)];
    index = firstIndex + move.length;
  }
  return dropUnreadYields(out, usedOutside);
}

/** The values read from outside a block (a set, or a loop's own results over the block around it). */
interface UsedSet {
  has(id: ValueId): boolean;
}

function findLastLoop(block: readonly (Op | Loop)[], before: number): number {
  for (let index = before - 1; index >= 0; index--) if (isLoop(block[index])) return index;
  return -1;
}

/** Drop the yields of the loops of `block` whose items nothing reads (in `block`, or outside it per `usedOutside`). */
function dropUnreadYields(block: (Op | Loop)[], usedOutside: UsedSet): (Op | Loop)[] {
  const read = new Set<ValueId>();
  for (const statement of block) for (const id of outsideReads(statement)) read.add(id);
  return block.map((statement) => {
    if (!isLoop(statement) || !statement.yields) return statement;
    const kept = statement.yields.filter((entry) => entry.items.some((item) => read.has(item) || usedOutside.has(item)));
    if (kept.length === statement.yields.length) return statement;
    const { yields: _dropped, ...rest } = statement;
    return kept.length > 0 ? { ...rest, yields: kept } : rest;
  });
}

/** The fuseLoops pass (see the module comment). */
export function fuseLoops(program: Program): Program {
  const used = new Set([...treeLeaves(program.result), ...(program.gradients ?? []).flatMap((pair) => [pair.wrt, pair.gradient])]);
  const body = fuseBlock(program.body, used);
  const live = new Set<ValueId>();
  const collect = (block: Block): void => {
    for (const statement of block) {
      if (!isLoop(statement)) {
        live.add(statement.output);
        continue;
      }
      for (const entry of statement.carried) live.add(entry.output).add(entry.param);
      for (const entry of loopYields(statement)) for (const item of entry.items) live.add(item);
      for (const entry of statement.indexed) live.add(entry.param);
      collect(statement.body);
    }
  };
  collect(body);
  if (body.every((statement, index) => statement === program.body[index]) && body.length === program.body.length) return program;
  // every value a statement defines is one of the program's: as many live as it has means all of them
  if (live.size === program.values.size) return { ...program, body };
  const values = new Map<ValueId, Value>();
  for (const [id, value] of program.values) if (live.has(id)) values.set(id, value);
  return { ...program, body, values };
}
