/**
 * Trees of tensors: a tensor, or an array or plain object whose entries are
 * trees (model parameters, their gradients, optimizer state). `treeMap`
 * applies a function of tensors leaf by leaf, as `jax.tree.map` does; the
 * compiler inlines the function once per leaf.
 */
import { MeshtypeError } from "../errors.ts";
import { Tensor } from "../tensor.ts";

/** A function applied to the leaves at one position of every tree. */
export type LeafFunction = (leaf: Tensor<string>, ...others: Tensor<string>[]) => Tensor<string>;

function describe(value: unknown): string {
  if (value instanceof Tensor) return "a tensor";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value === null) return "null";
  return typeof value === "object" ? "an object" : `${typeof value} ${String(value)}`;
}

function mismatch(path: string, what: string): never {
  throw new MeshtypeError(
    "bad-option",
    `treeMap: the trees differ at ${path === "" ? "the root" : path}: ${what}. Pass trees of the same structure (e.g. params and their gradients).`,
  );
}

function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  if (typeof value !== "object" || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function mapAt(fn: LeafFunction, tree: unknown, others: readonly unknown[], path: string): unknown {
  if (tree instanceof Tensor) {
    others.forEach((other, index) => {
      if (!(other instanceof Tensor)) mismatch(path, `tree 1 has a tensor where tree ${index + 2} has ${describe(other)}`);
    });
    return fn(tree, ...(others as Tensor<string>[]));
  }
  if (Array.isArray(tree)) {
    others.forEach((other, index) => {
      if (!Array.isArray(other) || other.length !== tree.length) mismatch(path, `tree 1 has ${describe(tree)} where tree ${index + 2} has ${describe(other)}`);
    });
    return tree.map((item, position) => mapAt(fn, item, others.map((other) => (other as readonly unknown[])[position]), `${path}[${position}]`));
  }
  if (isPlainObject(tree)) {
    const keys = Object.keys(tree);
    others.forEach((other, index) => {
      const same = isPlainObject(other) && Object.keys(other).length === keys.length && keys.every((key) => Object.hasOwn(other, key));
      if (!same) mismatch(path, `tree 1 has fields {${keys.join(", ")}} where tree ${index + 2} has ${isPlainObject(other) ? `{${Object.keys(other).join(", ")}}` : describe(other)}`);
    });
    const entries = keys.map((key) => [key, mapAt(fn, tree[key], others.map((other) => (other as Readonly<Record<string, unknown>>)[key]), `${path}.${key}`)]);
    return Object.fromEntries(entries);
  }
  throw new MeshtypeError("bad-option", `treeMap: ${path === "" ? "the tree" : path} is ${describe(tree)}; every leaf must be a tensor.`);
}

/**
 * Apply `fn` to the leaves of `tree` (and the leaves at the same positions
 * of `others`, which must have the same structure); the result has the
 * structure of `tree`, with `fn`'s results as leaves.
 *
 * @example
 * const next = treeMap((p, g) => sub(p, mul(g, 0.1)), params, grads); // plain SGD
 */
export function treeMap<T>(fn: LeafFunction, tree: T, ...others: T[]): T {
  return mapAt(fn, tree, others, "") as T;
}
