/**
 * Running a compiled device program as a user does: give it the same global
 * inputs the eager model takes, and get the global result back. `shardArgs`
 * cuts every input tree into each device's local shards by the program's
 * `<name>Meta`, `gatherResult` puts the devices' results back together, and
 * `runSharded` does both around a run on a `SimulatedMesh`.
 *
 * @example
 * import { mlpMegatron, mlpMegatronMeta } from "./generated/mlp.ts";
 * const { result, stats } = await runSharded(mlpMegatron, mlpMegatronMeta, x, params);
 * // result: the global output, equal to mlp(x, params) run eagerly
 */
import { MeshtypeError } from "../errors.ts";
import { Mesh } from "../mesh.ts";
import type { Tensor } from "../tensor.ts";
import { describeValue, isTensor } from "./checkArgs.ts";
import type { DeviceContext } from "./deviceContext.ts";
import { formatDimList, type MetaTree, type ProgramMeta, type TensorTree } from "./programMeta.ts";
import { gatherTensor, shardTensor } from "./shard.ts";
import { SimulatedMesh } from "./simulatedMesh.ts";
import type { CommStats } from "./stats.ts";

/** A generated device program: `(ctx, ...localParams) => Promise<localResult>`. */
export type DeviceFunction = (ctx: DeviceContext, ...params: never[]) => Promise<unknown>;

/** The parameters of a device function after `ctx`. */
export type DeviceParams<F extends DeviceFunction> = F extends (ctx: DeviceContext, ...params: infer Params) => Promise<unknown> ? Params : never;

/** The mesh `<name>Meta` describes. */
export function meshOfMeta(meta: ProgramMeta): Mesh {
  return new Mesh({ ...meta.mesh });
}

function sameDims(a: Tensor, tree: Extract<MetaTree, { kind: "tensor" }>): boolean {
  return a.dims.length === tree.dims.length && a.dims.every((dim, index) => dim.name === tree.dims[index]?.name && dim.size === tree.dims[index]?.size);
}

/** A tree shaped like `tree` whose leaves are the per-device lists of local shards. */
type ShardTree = { readonly shards: readonly Tensor[] } | { readonly items: readonly ShardTree[] } | { readonly fields: Readonly<Record<string, ShardTree>> };

function shardTree(meta: ProgramMeta, mesh: Mesh, tree: MetaTree, value: unknown, path: string): ShardTree {
  const fail = (problem: string): never => {
    throw new MeshtypeError("input-shape", `shardArgs(${meta.name}): input "${path}" ${problem}`);
  };
  switch (tree.kind) {
    case "tensor":
      if (!isTensor(value) || !sameDims(value, tree)) return fail(`must be the global tensor ${formatDimList(tree.dims)}, but got ${describeValue(value)}. Pass the same inputs as to the eager model.`);
      return { shards: shardTensor(mesh, tree.sharding, value) };
    case "array":
      if (!Array.isArray(value) || value.length < tree.items.length) return fail(`must be an array of at least ${tree.items.length}, but got ${describeValue(value)}.`);
      return { items: tree.items.map((item, index) => shardTree(meta, mesh, item, value[index], `${path}[${index}]`)) };
    case "object": {
      if (typeof value !== "object" || value === null || Array.isArray(value) || isTensor(value)) return fail(`must be an object with fields ${Object.keys(tree.fields).join(", ")}, but got ${describeValue(value)}.`);
      const record = value as Readonly<Record<string, unknown>>;
      return { fields: Object.fromEntries(Object.entries(tree.fields).map(([field, item]) => [field, shardTree(meta, mesh, item, record[field], `${path}.${field}`)])) };
    }
  }
}

function pick(tree: ShardTree, device: number): TensorTree {
  if ("shards" in tree) {
    const shard = tree.shards[device];
    if (shard === undefined) throw new Error(`shardArgs: no shard for device ${device}`);
    return shard;
  }
  if ("items" in tree) return tree.items.map((item) => pick(item, device));
  return Object.fromEntries(Object.entries(tree.fields).map(([field, item]) => [field, pick(item, device)]));
}

/**
 * Every device's arguments (index = device id) for the global `args` of the
 * program `meta` describes, in parameter order: each tensor leaf cut by its
 * sharding. Throws an "input-shape" `MeshtypeError` naming the input whose
 * dims or tree differ from what the program takes.
 */
export function shardArgs(meta: ProgramMeta, ...args: readonly unknown[]): TensorTree[][] {
  const mesh = meshOfMeta(meta);
  const trees = meta.params.map((param, index) => shardTree(meta, mesh, param.tree, args[index], param.name));
  return Array.from({ length: mesh.deviceCount }, (_, device) => trees.map((tree) => pick(tree, device)));
}

function gatherTree(meta: ProgramMeta, mesh: Mesh, tree: MetaTree, outputs: readonly unknown[], path: string): TensorTree {
  switch (tree.kind) {
    case "tensor":
      outputs.forEach((output, device) => {
        if (!isTensor(output)) throw new MeshtypeError("output-shape", `gatherResult(${meta.name}): device ${device} returned ${describeValue(output)} at "${path}", not a tensor.`);
      });
      return gatherTensor(mesh, tree.sharding, outputs as readonly Tensor[], tree.dims);
    case "array":
      return tree.items.map((item, index) => gatherTree(meta, mesh, item, outputs.map((output) => (output as readonly unknown[])[index]), `${path}[${index}]`));
    case "object":
      return Object.fromEntries(Object.entries(tree.fields).map(([field, item]) =>
        [field, gatherTree(meta, mesh, item, outputs.map((output) => (output as Readonly<Record<string, unknown>>)[field]), `${path}.${field}`)]));
  }
}

/** The global result from every device's local result (index = device id), by the result sharding of `meta`. */
export function gatherResult(meta: ProgramMeta, outputs: readonly unknown[]): TensorTree {
  return gatherTree(meta, meshOfMeta(meta), meta.result, outputs, "result");
}

/** What `runSharded` gives back. */
export interface ShardedRun<Result> {
  /** The global result, gathered from every device. */
  readonly result: Result;
  /** Bytes each collective moved, per device (see `CommStats`). */
  readonly stats: CommStats;
  /** Every device's local result, index = device id. */
  readonly local: readonly Result[];
}

/**
 * Run a generated device program on a `SimulatedMesh` of its mesh: shard the
 * global `args` (the eager model's inputs) by `meta`, run every device, and
 * gather the global result.
 */
export async function runSharded<F extends DeviceFunction>(program: F, meta: ProgramMeta, ...args: DeviceParams<F>): Promise<ShardedRun<Awaited<ReturnType<F>>>> {
  const perDevice = shardArgs(meta, ...args);
  const sim = new SimulatedMesh(meshOfMeta(meta));
  const run = program as unknown as (ctx: DeviceContext, ...params: readonly TensorTree[]) => Promise<Awaited<ReturnType<F>>>;
  const local = await sim.run(run, (device) => perDevice[device] ?? []);
  return { result: gatherResult(meta, local) as Awaited<ReturnType<F>>, stats: sim.stats, local };
}
