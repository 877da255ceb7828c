/**
 * The test harness: make inputs for a program, run its global form eagerly,
 * run its lowered form on a SimulatedMesh (interpreted, or as an emitted
 * module's function with its `<name>Meta`), shard inputs and gather results
 * by the program's shardings, and compare trees of tensors.
 */
import { Mesh } from "../../dsl/mesh.ts";
import type { MeshAxis } from "../../dsl/mesh.ts";
import type { DeviceContext } from "../../dsl/runtime/deviceContext.ts";
import { gatherTensor, shardTensor } from "../../dsl/runtime/shard.ts";
import { SimulatedMesh } from "../../dsl/runtime/simulatedMesh.ts";
import type { CommStats } from "../../dsl/runtime/stats.ts";
import { Tensor } from "../../dsl/tensor.ts";
import { generator } from "../../dsl/testSupport.ts";
import type { MetaTree, ProgramMeta } from "../backend/ts/meta.ts";
import { programMeta } from "../backend/ts/meta.ts";
import type { Program } from "../ir/ir.ts";
import { interpret, type TensorTree } from "./interpret.ts";

/** Named param trees, as `interpret` and the runners take them. */
export type Args = readonly { readonly name: string; readonly tree: TensorTree }[];


/**
 * Inputs for every param of `program`: values in [-1, 1), except leaves whose
 * path is in `integers` (e.g. `{ ids: 8 }`), which get integers in [0, max).
 */
export function makeInputs(program: Program, seed = 1, integers: Readonly<Record<string, number>> = {}): Args {
  const next = generator(seed);
  const meta = programMeta({ ...program, values: withFakeSharding(program) });
  const build = (tree: MetaTree, path: string): TensorTree => {
    switch (tree.kind) {
      case "tensor": {
        const count = tree.dims.reduce((product, dim) => product * dim.size, 1);
        const max = integers[path];
        const data = Float32Array.from({ length: count }, () => (max === undefined ? next() * 2 - 1 : Math.floor(next() * max)));
        return new Tensor(tree.dims, data, path);
      }
      case "array":
        return tree.items.map((item, index) => build(item, `${path}.${index}`));
      case "object":
        return Object.fromEntries(Object.entries(tree.fields).map(([field, item]) => [field, build(item, `${path}.${field}`)]));
    }
  };
  return meta.params.map((param) => ({ name: param.name, tree: build(param.tree, param.name) }));
}

/** A global program's values with an empty sharding, so `programMeta` can read its trees. */
function withFakeSharding(program: Program): Program["values"] {
  if (program.stage === "lowered") return program.values;
  return new Map([...program.values].map(([id, value]) => [id, { ...value, sharding: {} }]));
}

/** Run a global program eagerly on one device: the reference result. */
export function runEager(program: Program, args: Args): Promise<TensorTree> {
  return interpret(program, args);
}

function mapTree(meta: MetaTree, tree: TensorTree, leaf: (meta: Extract<MetaTree, { kind: "tensor" }>, tensor: Tensor<string>) => unknown): unknown {
  switch (meta.kind) {
    case "tensor":
      return leaf(meta, tree as Tensor<string>);
    case "array":
      return meta.items.map((item, index) => mapTree(item, (tree as readonly TensorTree[])[index], leaf));
    case "object":
      return Object.fromEntries(Object.entries(meta.fields).map(([field, item]) => [field, mapTree(item, (tree as Record<string, TensorTree>)[field], leaf)]));
  }
}

/** The mesh a program's metadata describes. */
export function meshOf(meta: ProgramMeta | readonly MeshAxis[]): Mesh {
  return "mesh" in meta ? new Mesh({ ...meta.mesh }) : new Mesh(Object.fromEntries(meta.map((axis) => [axis.name, axis.size])));
}

/** A device function: an interpreted lowered program, or one from an emitted module. */
export type DeviceFunction = (ctx: DeviceContext, ...params: never[]) => Promise<unknown>;

/**
 * Run a device function on a SimulatedMesh of `meta.mesh`: shard the global
 * `args` by `meta`, run every device, gather the result by `meta`. Returns the
 * global result and the mesh's byte counters.
 */
export async function runOnMesh(run: DeviceFunction, meta: ProgramMeta, args: Args): Promise<{ result: TensorTree; stats: CommStats }> {
  const mesh = meshOf(meta);
  const sim = new SimulatedMesh(mesh);
  const sharded = meta.params.map((param) => {
    const arg = args.find((entry) => entry.name === param.name);
    if (!arg) throw new Error(`runOnMesh: no input for param "${param.name}"`);
    return mapTree(param.tree, arg.tree, (leaf, tensor) => shardTensor(mesh, leaf.sharding, tensor));
  });
  const forDevice = (shards: unknown, device: number): unknown => {
    if (Array.isArray(shards) && shards.length > 0 && shards[0] instanceof Tensor) return shards[device];
    if (Array.isArray(shards)) return shards.map((item) => forDevice(item, device));
    return Object.fromEntries(Object.entries(shards as Record<string, unknown>).map(([field, item]) => [field, forDevice(item, device)]));
  };
  const outputs = await sim.run(run as (ctx: DeviceContext, ...params: unknown[]) => Promise<unknown>, (device) => sharded.map((tree) => forDevice(tree, device)));
  const gather = (tree: MetaTree, pick: (device: number) => unknown): TensorTree => {
    switch (tree.kind) {
      case "tensor":
        return gatherTensor(mesh, tree.sharding, outputs.map((_, device) => pick(device) as Tensor<string>));
      case "array":
        return tree.items.map((item, index) => gather(item, (device) => (pick(device) as unknown[])[index]));
      case "object":
        return Object.fromEntries(Object.entries(tree.fields).map(([field, item]) => [field, gather(item, (device) => (pick(device) as Record<string, unknown>)[field])]));
    }
  };
  return { result: gather(meta.result, (device) => outputs[device]), stats: sim.stats };
}

/** Run a lowered program on a SimulatedMesh through the interpreter. */
export function runLowered(program: Program, args: Args): Promise<{ result: TensorTree; stats: CommStats }> {
  const meta = programMeta(program);
  const device: DeviceFunction = (ctx, ...params: never[]) =>
    interpret(program, program.params.map((param, index) => ({ name: param.name, tree: params[index] as TensorTree })), ctx);
  return runOnMesh(device, meta, args);
}

/** The largest absolute difference between two trees of tensors; throws when their shapes differ. */
export function maxDifference(actual: TensorTree, expected: TensorTree, path = "result"): number {
  if (expected instanceof Tensor) {
    if (!(actual instanceof Tensor)) throw new Error(`${path}: expected a tensor`);
    const same = actual.dims.length === expected.dims.length && actual.dims.every((dim, index) => dim.name === expected.dims[index].name && dim.size === expected.dims[index].size);
    if (!same) throw new Error(`${path}: dims ${actual.toString()} ${JSON.stringify(actual.shape)} differ from ${expected.toString()} ${JSON.stringify(expected.shape)}`);
    let worst = 0;
    for (let index = 0; index < expected.data.length; index++) worst = Math.max(worst, Math.abs(actual.data[index] - expected.data[index]));
    return worst;
  }
  if (Array.isArray(expected)) return Math.max(0, ...expected.map((item, index) => maxDifference((actual as readonly TensorTree[])[index], item, `${path}[${index}]`)));
  const fields = expected as Record<string, TensorTree>;
  return Math.max(0, ...Object.keys(fields).map((field) => maxDifference((actual as Record<string, TensorTree>)[field], fields[field], `${path}.${field}`)));
}
