/**
 * How the back ends keep what a loop yields (`Loop.yields`) without writing
 * one line per iteration: each yielded value becomes one list, filled once
 * per iteration (`list.push(x)` / `list[index] = x`), and item k is
 * `list[k]`. Three reads of the items stay one line at any trip count:
 *
 * - a later loop that indexes the items in order reads `list[i]`, and in
 *   reverse order `list[count - 1 - i]` (a reverse loop reading what its
 *   forward loop saved, or an update loop reading each layer's gradient);
 * - an array in the result whose k-th item has, at every leaf, item k (or
 *   item count - 1 - k) of one list is built by one comprehension.
 *
 * Anything else names the items one by one (`list[3]`).
 */
import type { Block, Loop, LoopYield, Program, ValueId, ValueTree } from "../../ir/ir.ts";
import { isLoop, loopYields } from "../../ir/opAttrs.ts";

/** Where one yielded item is: its list (the yield) and its iteration. */
export interface YieldItem {
  readonly source: LoopYield;
  readonly index: number;
}

/** An indexed entry that reads a yield's items in order or last to first. */
export interface YieldRead {
  readonly source: LoopYield;
  readonly reversed: boolean;
}

/** Every yielded item of `program`, by value id. */
export function yieldItems(program: Program): ReadonlyMap<ValueId, YieldItem> {
  const items = new Map<ValueId, YieldItem>();
  const visit = (block: Block): void => {
    for (const statement of block) {
      if (!isLoop(statement)) continue;
      for (const source of loopYields(statement)) source.items.forEach((item, index) => items.set(item, { source, index }));
      visit(statement.body);
    }
  };
  visit(program.body);
  return items;
}

/** Whether `items` are the items of one yield, in order or reversed. */
function readOf(items: readonly ValueId[], known: ReadonlyMap<ValueId, YieldItem>): YieldRead | undefined {
  const first = known.get(items[0]);
  if (!first || first.source.items.length !== items.length) return undefined;
  const inOrder = items.every((item, index) => item === first.source.items[index]);
  const reversed = items.every((item, index) => item === first.source.items[items.length - 1 - index]);
  return inOrder ? { source: first.source, reversed: false } : reversed ? { source: first.source, reversed: true } : undefined;
}

/** Per loop, per indexed entry: the yield it reads whole (in order or reversed), or undefined. */
export function yieldReads(program: Program): ReadonlyMap<Loop, readonly (YieldRead | undefined)[]> {
  const known = yieldItems(program);
  const reads = new Map<Loop, (YieldRead | undefined)[]>();
  const visit = (block: Block): void => {
    for (const statement of block) {
      if (!isLoop(statement)) continue;
      reads.set(statement, statement.indexed.map((entry) => readOf(entry.items, known)));
      visit(statement.body);
    }
  };
  visit(program.body);
  return reads;
}

/** The shape of every item of a uniform array: the tree of item 0 with each leaf's list and direction. */
export type ItemTemplate =
  | { readonly kind: "tensor"; readonly read: YieldRead }
  | { readonly kind: "object"; readonly fields: Readonly<Record<string, ItemTemplate>> }
  | { readonly kind: "array"; readonly items: readonly ItemTemplate[] };

function templateOf(trees: readonly ValueTree[], known: ReadonlyMap<ValueId, YieldItem>): ItemTemplate | undefined {
  const [first] = trees;
  if (first.kind === "tensor") {
    const leaves = trees.map((tree) => (tree.kind === "tensor" ? tree.value : undefined));
    if (leaves.some((leaf) => leaf === undefined)) return undefined;
    const read = readOf(leaves as ValueId[], known);
    return read ? { kind: "tensor", read } : undefined;
  }
  if (first.kind === "object") {
    const keys = Object.keys(first.fields);
    const fields: Record<string, ItemTemplate> = {};
    for (const key of keys) {
      const children = trees.map((tree) => (tree.kind === "object" && Object.keys(tree.fields).length === keys.length ? tree.fields[key] : undefined));
      if (children.some((child) => child === undefined)) return undefined;
      const inner = templateOf(children as ValueTree[], known);
      if (!inner) return undefined;
      fields[key] = inner;
    }
    return { kind: "object", fields };
  }
  const length = first.items.length;
  const items: ItemTemplate[] = [];
  for (let at = 0; at < length; at++) {
    const children = trees.map((tree) => (tree.kind === "array" && tree.items.length === length ? tree.items[at] : undefined));
    if (children.some((child) => child === undefined)) return undefined;
    const inner = templateOf(children as ValueTree[], known);
    if (!inner) return undefined;
    items.push(inner);
  }
  return { kind: "array", items };
}

/**
 * When every item k of `tree` (an array of at least two items) holds, at each leaf, item k or
 * item n - 1 - k of one yield (the same yield for that leaf in every item): the template; else undefined.
 */
export function uniformArray(tree: ValueTree, known: ReadonlyMap<ValueId, YieldItem>): ItemTemplate | undefined {
  if (tree.kind !== "array" || tree.items.length < 2) return undefined;
  return templateOf(tree.items, known);
}
