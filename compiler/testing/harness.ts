/**
 * The test harness: make inputs for a program, run its global form eagerly,
 * run its lowered form on a SimulatedMesh (interpreted, or as an emitted
 * module's function with its `<name>Meta`), shard inputs and gather results
 * by the program's shardings, and compare trees of tensors.
 */
import { Mesh } from "../../dsl/mesh.ts";
import type { MeshAxis } from "../../dsl/mesh.ts";
import type { DeviceContext } from "../../dsl/runtime/deviceContext.ts";
import { maxDifference as runtimeMaxDifference } from "../../dsl/runtime/maxDifference.ts";
import { gatherResult, shardArgs } from "../../dsl/runtime/runSharded.ts";
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

/** The mesh a program's metadata describes. */
export function meshOf(meta: ProgramMeta | readonly MeshAxis[]): Mesh {
  return "mesh" in meta ? new Mesh({ ...meta.mesh }) : new Mesh(Object.fromEntries(meta.map((axis) => [axis.name, axis.size])));
}

/** A device function: an interpreted lowered program, or one from an emitted module. */
export type DeviceFunction = (ctx: DeviceContext, ...params: never[]) => Promise<unknown>;

/**
 * Run a device function on a SimulatedMesh of `meta.mesh`: shard the global
 * `args` by `meta`, run every device, gather the result by `meta` (the
 * runtime's shardArgs and gatherResult, as users run generated programs).
 * Returns the global result and the mesh's byte counters.
 */
export async function runOnMesh(run: DeviceFunction, meta: ProgramMeta, args: Args): Promise<{ result: TensorTree; stats: CommStats }> {
  const positional = meta.params.map((param) => {
    const arg = args.find((entry) => entry.name === param.name);
    if (!arg) throw new Error(`runOnMesh: no input for param "${param.name}"`);
    return arg.tree;
  });
  const perDevice = shardArgs(meta, ...positional);
  const sim = new SimulatedMesh(meshOf(meta));
  const outputs = await sim.run(run as (ctx: DeviceContext, ...params: unknown[]) => Promise<unknown>, (device) => perDevice[device] ?? []);
  return { result: gatherResult(meta, outputs), stats: sim.stats };
}

/** Run a lowered program on a SimulatedMesh through the interpreter. */
export function runLowered(program: Program, args: Args): Promise<{ result: TensorTree; stats: CommStats }> {
  const meta = programMeta(program);
  const device: DeviceFunction = (ctx, ...params: never[]) =>
    interpret(program, program.params.map((param, index) => ({ name: param.name, tree: params[index] as TensorTree })), ctx);
  return runOnMesh(device, meta, args);
}

/** The largest absolute difference between two trees of tensors; throws when their shapes differ (the runtime's, as users compare). */
export function maxDifference(actual: TensorTree, expected: TensorTree, path = "result"): number {
  return runtimeMaxDifference(actual, expected, path);
}
