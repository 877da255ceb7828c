/**
 * The check every generated device program makes first: each parameter leaf
 * must be this device's local shard, with the dims `<name>Meta` gives it
 * (global sizes divided by the mesh axes that split them). A global tensor
 * passed where a shard belongs, a missing field or a short array throws a
 * "local-shape" `MeshtypeError` naming the parameter, the dims it expects and
 * what came, instead of computing a silently wrong result.
 */
import { MeshtypeError } from "../errors.ts";
import type { Dim, Tensor } from "../tensor.ts";
import { describeLayoutOf, formatDimList, localDimsOf, type MetaTree, type ProgramMeta } from "./programMeta.ts";

/** Whether `value` is a meshtype tensor (by shape, so that two copies of the package still agree). */
export function isTensor(value: unknown): value is Tensor {
  return typeof value === "object" && value !== null && "dims" in value && "data" in value && value.data instanceof Float32Array && Array.isArray(value.dims);
}

function sameDims(a: readonly Dim[], b: readonly Dim[]): boolean {
  return a.length === b.length && a.every((dim, index) => dim.name === b[index]?.name && dim.size === b[index]?.size);
}

/** What came, for messages: dims of a tensor, or the kind of value. */
export function describeValue(value: unknown): string {
  if (isTensor(value)) return `a tensor ${formatDimList(value.dims)}`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value === null || value === undefined) return String(value);
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

function fail(meta: ProgramMeta, path: string, problem: string): never {
  throw new MeshtypeError(
    "local-shape",
    `${meta.name}: parameter "${path}" ${problem} A device program takes this device's local shards: run it with ` +
      `runSharded(${meta.name}, ${meta.name}Meta, ...globalArgs) from "meshtype/runtime", or cut the inputs with shardArgs(${meta.name}Meta, ...globalArgs).`,
  );
}

function checkTree(meta: ProgramMeta, tree: MetaTree, value: unknown, path: string): void {
  switch (tree.kind) {
    case "tensor": {
      const local = localDimsOf(tree, meta.mesh);
      if (isTensor(value) && sameDims(value.dims, local)) return;
      const global = isTensor(value) && sameDims(value.dims, tree.dims) && !sameDims(tree.dims, local) ? " (the global tensor)" : "";
      return fail(meta, path, `must be this device's local shard ${formatDimList(local)} (global ${formatDimList(tree.dims)}, ${describeLayoutOf(tree)}), but got ${describeValue(value)}${global}.`);
    }
    case "array": {
      if (!Array.isArray(value)) return fail(meta, path, `must be an array of ${tree.items.length}, but got ${describeValue(value)}.`);
      if (value.length < tree.items.length) return fail(meta, path, `must have at least ${tree.items.length} items (the program reads that many), but has ${value.length}.`);
      tree.items.forEach((item, index) => checkTree(meta, item, value[index], `${path}[${index}]`));
      return;
    }
    case "object": {
      if (typeof value !== "object" || value === null || Array.isArray(value) || isTensor(value)) {
        return fail(meta, path, `must be an object with fields ${Object.keys(tree.fields).join(", ")}, but got ${describeValue(value)}.`);
      }
      for (const [field, item] of Object.entries(tree.fields)) {
        if (!(field in value)) return fail(meta, `${path}.${field}`, `is missing (the program reads it).`);
        checkTree(meta, item, (value as Readonly<Record<string, unknown>>)[field], `${path}.${field}`);
      }
    }
  }
}

/**
 * Check that `args` (in parameter order) are local shards of the program
 * `meta` describes; throws a "local-shape" `MeshtypeError` at the first that
 * is not. Generated device programs call it on entry.
 *
 * @example
 * checkLocalArgs(mlpMegatronMeta, [x, params]); // throws: parameter "params.up.w" must be ... [d_model=16 d_ff=16] ..., but got a tensor [d_model=16 d_ff=64] (the global tensor).
 */
export function checkLocalArgs(meta: ProgramMeta, args: readonly unknown[]): void {
  meta.params.forEach((param, index) => checkTree(meta, param.tree, args[index], param.name));
}
