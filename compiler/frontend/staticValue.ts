/**
 * The values of the front end's static evaluator. Model code runs at compile
 * time over these: strings, numbers and shapes are known exactly, tensors are
 * IR values (their data is only known when the device program runs), and
 * functions are inlined at each call.
 */
import type { ArrowFunction, FunctionDeclaration, FunctionExpression, MethodDeclaration } from "ts-morph";
import type { MeshAxis } from "../../dsl/mesh.ts";
import type { ValueId, ValueTree } from "../ir/ir.ts";
import type { Scope } from "./scope.ts";

/** A function the evaluator can inline: it has a body. */
export type FunctionNode = FunctionDeclaration | FunctionExpression | ArrowFunction | MethodDeclaration;

/** A loop the evaluator keeps as an IR loop; its index is only known at run time. */
export interface LoopMarker {
  /** The loop variable's name, for messages. */
  readonly name: string;
}

/** A value known at compile time (or a tensor, known as an IR value). */
export type StaticValue =
  | { readonly kind: "tensor"; readonly id: ValueId }
  | { readonly kind: "number"; readonly value: number }
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "boolean"; readonly value: boolean }
  | { readonly kind: "undefined" }
  | { readonly kind: "object"; readonly fields: ReadonlyMap<string, StaticValue> }
  | { readonly kind: "array"; readonly items: readonly StaticValue[] }
  | { readonly kind: "function"; readonly node: FunctionNode; readonly scope: Scope; readonly name: string; readonly checkpoint?: boolean }
  | { readonly kind: "dims"; readonly sizes: Readonly<Record<string, number>> }
  | { readonly kind: "mesh"; readonly axes: readonly MeshAxis[] }
  | { readonly kind: "layout"; readonly spec: string; readonly mesh: readonly MeshAxis[]; readonly sizes: Readonly<Record<string, number>> }
  | { readonly kind: "op"; readonly name: string }
  | { readonly kind: "lazyArray"; readonly path: string; readonly type: string }
  | { readonly kind: "loopIndex"; readonly loop: LoopMarker }
  | { readonly kind: "math" }
  | { readonly kind: "grad"; readonly fn: Extract<StaticValue, { kind: "function" }>; readonly withValue: boolean };

/** The `undefined` value. */
export const undefinedValue: StaticValue = { kind: "undefined" };

/** A number value. */
export function num(value: number): StaticValue {
  return { kind: "number", value };
}

/** A string value. */
export function str(value: string): StaticValue {
  return { kind: "string", value };
}

/** A boolean value. */
export function bool(value: boolean): StaticValue {
  return { kind: "boolean", value };
}

/** How messages name a value's kind: "a tensor", "the number 3", "an object". */
export function describeValue(value: StaticValue): string {
  switch (value.kind) {
    case "tensor":
      return "a tensor";
    case "number":
      return `the number ${value.value}`;
    case "string":
      return `the string "${value.value}"`;
    case "boolean":
      return `${value.value}`;
    case "undefined":
      return "undefined";
    case "object":
      return "an object";
    case "array":
      return `an array of ${value.items.length}`;
    case "function":
      return `the function ${value.name}`;
    case "dims":
      return "a Dims declaration";
    case "mesh":
      return "a Mesh";
    case "layout":
      return "a Layout";
    case "op":
      return `the op ${value.name}`;
    case "lazyArray":
      return `the array parameter ${value.path} (length not known yet)`;
    case "loopIndex":
      return `the loop index ${value.loop.name} (known only at run time)`;
    case "math":
      return "Math";
    case "grad":
      return `${value.withValue ? "valueAndGrad" : "grad"}(${value.fn.name})`;
  }
}

/** Truthiness of a static value, as JavaScript defines it; undefined for a loop index. */
export function truthy(value: StaticValue): boolean | undefined {
  switch (value.kind) {
    case "number":
      return value.value !== 0 && !Number.isNaN(value.value);
    case "string":
      return value.value !== "";
    case "boolean":
      return value.value;
    case "undefined":
      return false;
    case "loopIndex":
      return undefined;
    default:
      return true;
  }
}

/** The tensors of a value as an IR tree, or undefined when it holds anything but tensors. */
export function toValueTree(value: StaticValue): ValueTree | undefined {
  switch (value.kind) {
    case "tensor":
      return { kind: "tensor", value: value.id };
    case "array": {
      const items = value.items.map(toValueTree);
      return items.every((item) => item !== undefined) ? { kind: "array", items: items as ValueTree[] } : undefined;
    }
    case "object": {
      const fields: Record<string, ValueTree> = {};
      for (const [name, field] of value.fields) {
        const tree = toValueTree(field);
        if (tree === undefined) return undefined;
        fields[name] = tree;
      }
      return { kind: "object", fields };
    }
    default:
      return undefined;
  }
}

/** The static value of an IR tree. */
export function fromValueTree(tree: ValueTree): StaticValue {
  switch (tree.kind) {
    case "tensor":
      return { kind: "tensor", id: tree.value };
    case "array":
      return { kind: "array", items: tree.items.map(fromValueTree) };
    case "object":
      return { kind: "object", fields: new Map(Object.entries(tree.fields).map(([name, field]) => [name, fromValueTree(field)])) };
  }
}

/** The tensor ids of a value in a fixed order (depth first, fields in order); non-tensor leaves are skipped. */
export function leaves(value: StaticValue): ValueId[] {
  const out: ValueId[] = [];
  collectLeaves(value, out);
  return out;
}

function collectLeaves(node: StaticValue, out: ValueId[]): void {
  if (node.kind === "tensor") out.push(node.id);
  else if (node.kind === "array") for (const item of node.items) collectLeaves(item, out);
  else if (node.kind === "object") for (const field of node.fields.values()) collectLeaves(field, out);
}

/** Rebuild `shape` (a tree of tensors) with its leaves replaced, in `leaves` order. */
export function replaceLeaves(shape: StaticValue, ids: readonly ValueId[]): StaticValue {
  let next = 0;
  const rebuild = (value: StaticValue): StaticValue => {
    switch (value.kind) {
      case "tensor":
        return { kind: "tensor", id: ids[next++] };
      case "array":
        return { kind: "array", items: value.items.map(rebuild) };
      case "object":
        return { kind: "object", fields: new Map([...value.fields].map(([name, field]) => [name, rebuild(field)])) };
      default:
        return value;
    }
  };
  return rebuild(shape);
}

/** A string describing a tree's structure (field names and nesting, not ids): equal for trees of the same shape. */
export function treeStructure(value: StaticValue): string {
  switch (value.kind) {
    case "tensor":
      return "T";
    case "array":
      return `[${value.items.map(treeStructure).join(",")}]`;
    case "object":
      return `{${[...value.fields].map(([name, field]) => `${name}:${treeStructure(field)}`).join(",")}}`;
    default:
      return value.kind;
  }
}

/**
 * Whether two trees have the same structure (`treeStructure(first) === treeStructure(second)`),
 * compared in place: a model's layers are compared item by item, and writing each one's
 * structure out would cost a string per layer.
 */
export function sameStructure(first: StaticValue, second: StaticValue): boolean {
  if (first === second) return true;
  if (first.kind !== second.kind) return false;
  if (first.kind === "array" && second.kind === "array") {
    if (first.items.length !== second.items.length) return false;
    for (let index = 0; index < first.items.length; index++) if (!sameStructure(first.items[index], second.items[index])) return false;
    return true;
  }
  if (first.kind === "object" && second.kind === "object") {
    if (first.fields.size !== second.fields.size) return false;
    const others = second.fields.entries();
    for (const [name, field] of first.fields) {
      const [otherName, other] = others.next().value as [string, StaticValue];
      if (name !== otherName || !sameStructure(field, other)) return false;
    }
    return true;
  }
  return true;
}
