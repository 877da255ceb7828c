/**
 * `treeMap(fn, tree, ...others)` in model code: the trees are static values
 * (objects and arrays of tensors), so the call is unrolled at compile time:
 * `fn` (a function or a DSL op) is inlined once per leaf, and the result is
 * a static tree of the same structure. An array whose items all have the
 * same fields and dims in every tree (the layers of a model, their
 * gradients, their optimizer state) is mapped by one kept loop instead:
 * indexed by the items' leaves, yielding the results per iteration, so an
 * optimizer update has the same size at 2 layers and at 96. Structural
 * mismatches are diagnostics (MT1033) naming the path, as the eager
 * `treeMap` reports them. An array parameter whose length is not known yet
 * (e.g. `state.m.layers`) takes the length of an array at the same position
 * in another tree (`params.layers`).
 */
import { frontendMessages } from "../diagnostics/frontendMessages.ts";
import { emitOp } from "./dslOps.ts";
import { LengthNeeded } from "./evaluator.ts";
import { callFunction } from "./functions.ts";
import type { OpCall } from "./opArgs.ts";
import { describeValue, leaves, replaceLeaves, sameStructure, type StaticValue } from "./staticValue.ts";

/** Emit the IR for `treeMap(fn, tree, ...others)`; its static result tree. */
export function emitTreeMap(call: OpCall): StaticValue {
  const [fn, tree, ...others] = call.args;
  const failWith = (reason: string): never => call.ev.fail(frontendMessages.opFailed, { op: "treeMap", reason }, call.node);
  if (fn?.kind !== "function" && fn?.kind !== "op") return failWith(`its first argument must be a function of tensors, not ${fn ? describeValue(fn) : "missing"}.`);
  if (tree === undefined) return failWith("it needs a tree of tensors after the function.");
  const where = (path: string): string => (path === "" ? "the root" : path);
  const apply = (leaves: StaticValue[]): StaticValue => {
    const result = fn.kind === "function" ? callFunction(call.ev, fn, leaves, call.node) : emitOp({ ev: call.ev, name: fn.name, node: call.node, args: leaves });
    if (result.kind !== "tensor") return failWith(`the function returned ${describeValue(result)}; it must return a tensor.`);
    return result;
  };
  const walk = (node: StaticValue, rest: readonly StaticValue[], path: string): StaticValue => {
    learnLengths([node, ...rest]);
    const differ = (index: number, what: string): never =>
      failWith(`the trees differ at ${where(path)}: tree 1 has ${what} where tree ${index + 2} has ${describeValue(rest[index])}.`);
    switch (node.kind) {
      case "tensor":
        rest.forEach((other, index) => other.kind !== "tensor" && differ(index, "a tensor"));
        return apply([node, ...rest]);
      case "array": {
        rest.forEach((other, index) => (other.kind !== "array" || other.items.length !== node.items.length) && differ(index, describeValue(node)));
        const columns = [node, ...rest].map((tree) => (tree as typeof node).items);
        if (uniformColumns(call, columns)) return mapAsLoop(call, columns, (items) => walk(items[0], items.slice(1), `${path}[i]`));
        return { kind: "array", items: node.items.map((item, at) => walk(item, rest.map((other) => (other as typeof node).items[at]), `${path}[${at}]`)) };
      }
      case "object": {
        const keys = [...node.fields.keys()];
        rest.forEach((other, index) => {
          const same = other.kind === "object" && other.fields.size === keys.length && keys.every((key) => other.fields.has(key));
          if (!same) differ(index, `fields {${keys.join(", ")}}`);
        });
        const fields = new Map(keys.map((key) => [key, walk(node.fields.get(key) as StaticValue, rest.map((other) => (other as typeof node).fields.get(key) as StaticValue), `${path}.${key}`)]));
        return { kind: "object", fields };
      }
      default:
        return failWith(`${path === "" ? "the tree" : path} is ${describeValue(node)}; every leaf must be a tensor.`);
    }
  };
  return walk(tree, others, "");
}

/** Whether every tree's items (one list per tree, all of one length >= 2) are tensor trees with the fields and dims of item 0. */
function uniformColumns(call: OpCall, columns: readonly (readonly StaticValue[])[]): boolean {
  if (columns[0].length < 2) return false;
  return columns.every((items) => {
    const first = leaves(items[0]);
    if (first.length === 0 || first.length !== countTensors(items[0])) return false;
    const dims = first.map((id) => call.ev.dimsOf(id));
    return items.every((item) => sameStructure(item, items[0]) && leaves(item).every((id, leaf) => sameDims(call.ev.dimsOf(id), dims[leaf])));
  });
}

/** The tensors of a static tree, or -1 at a leaf that is not a tensor. */
function countTensors(value: StaticValue): number {
  if (value.kind === "tensor") return 1;
  const children = value.kind === "array" ? value.items : value.kind === "object" ? [...value.fields.values()] : undefined;
  if (!children) return -1;
  let total = 0;
  for (const child of children) {
    const count = countTensors(child);
    if (count < 0) return -1;
    total += count;
  }
  return total;
}

function sameDims(a: readonly { name: string; size: number }[], b: readonly { name: string; size: number }[]): boolean {
  return a.length === b.length && a.every((dim, index) => dim.name === b[index].name && dim.size === b[index].size);
}

/**
 * Map the items of `columns` (one list per tree) with one kept loop: each tree's item is read at the
 * loop index (one indexed list per leaf), `body` maps them once, and the result's leaves are yielded.
 */
function mapAsLoop(call: OpCall, columns: readonly (readonly StaticValue[])[], body: (items: readonly StaticValue[]) => StaticValue): StaticValue {
  const builder = call.ev.builder;
  const count = columns[0].length;
  const lists = columns.flatMap((items) => {
    const perItem = items.map(leaves);
    return perItem[0].map((_, leaf) => perItem.map((ids) => ids[leaf]));
  });
  const open = builder.openLoop(count, [], lists, call.ev.loc(call.node));
  let next = 0;
  const items = columns.map((column) => {
    const ids = open.indexed.slice(next, next + leaves(column[0]).length);
    next += ids.length;
    return replaceLeaves(column[0], ids);
  });
  const mapped = body(items);
  const closed = builder.closeLoopWithYields([], leaves(mapped));
  return { kind: "array", items: Array.from({ length: count }, (_, index) => replaceLeaves(mapped, closed.yields.map((list) => list[index]))) };
}

/** When some trees hold an array at this position and others a parameter array of unknown length, learn that length (the program is read again). */
function learnLengths(nodes: readonly StaticValue[]): void {
  const known = nodes.find((node) => node.kind === "array");
  const lazy = nodes.find((node) => node.kind === "lazyArray");
  if (known?.kind === "array" && lazy?.kind === "lazyArray") throw new LengthNeeded(lazy.path, known.items.length);
}
