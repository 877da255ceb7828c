/**
 * `treeMap(fn, tree, ...others)` in model code: the trees are static values
 * (objects and arrays of tensors), so the call is unrolled at compile time:
 * `fn` (a function or a DSL op) is inlined once per leaf, and the result is
 * a static tree of the same structure. Structural mismatches are diagnostics
 * (MT1033) naming the path, as the eager `treeMap` reports them. An array
 * parameter whose length is not known yet (e.g. `state.m.layers`) takes the
 * length of an array at the same position in another tree (`params.layers`).
 */
import { frontendMessages } from "../diagnostics/frontendMessages.ts";
import { emitOp } from "./dslOps.ts";
import { LengthNeeded } from "./evaluator.ts";
import { callFunction } from "./functions.ts";
import type { OpCall } from "./opArgs.ts";
import { describeValue, type StaticValue } from "./staticValue.ts";

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
      case "array":
        rest.forEach((other, index) => (other.kind !== "array" || other.items.length !== node.items.length) && differ(index, describeValue(node)));
        return { kind: "array", items: node.items.map((item, at) => walk(item, rest.map((other) => (other as typeof node).items[at]), `${path}[${at}]`)) };
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

/** When some trees hold an array at this position and others a parameter array of unknown length, learn that length (the program is read again). */
function learnLengths(nodes: readonly StaticValue[]): void {
  const known = nodes.find((node) => node.kind === "array");
  const lazy = nodes.find((node) => node.kind === "lazyArray");
  if (known?.kind === "array" && lazy?.kind === "lazyArray") throw new LengthNeeded(lazy.path, known.items.length);
}
