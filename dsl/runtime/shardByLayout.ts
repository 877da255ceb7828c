/**
 * Shard and gather by a user `Layout` rather than a `Sharding`: the layout's
 * rules (checked for the tensor by `Layout.axesFor`) say which dim each mesh
 * axis splits; every other axis is replicated.
 */
import { MeshtypeError } from "../errors.ts";
import type { Layout } from "../layout.ts";
import { Tensor, describeTensor, type Dim } from "../tensor.ts";
import { gatherTensor, shardTensor } from "./shard.ts";
import { replicated, split, type AxisState, type Sharding } from "./sharding.ts";

/** Dims given as a dims string of the layout's declared dims, or as a list. */
function resolveDims(layout: Layout, dims: string | readonly Dim[]): readonly Dim[] {
  return typeof dims === "string" ? layout.dims.shape(dims) : dims;
}

/**
 * The sharding of a tensor with `dims` under `layout`: split(dim) on each axis
 * a dim of the tensor is laid out on (ranked major first for a dim over
 * several axes), replicated on every other axis. Checks the layout rules for
 * this tensor (no two dims on one axis, sizes divisible unless `padded`);
 * `what` names the tensor in those messages.
 *
 * @example
 * shardingOf(L, "batch d_ff"); // { data: split(batch), model: split(d_ff) }
 */
export function shardingOf(layout: Layout, dims: string | readonly Dim[], what?: string): Sharding {
  const resolved = resolveDims(layout, dims);
  const axes = layout.axesFor(resolved, what ?? `tensor [${resolved.map((dim) => `${dim.name}=${dim.size}`).join(", ")}]`);
  const sharding: Record<string, AxisState> = {};
  for (const axis of layout.mesh.axes) sharding[axis.name] = replicated;
  axes.forEach((dimAxes, index) => {
    dimAxes.forEach((axis, order) => (sharding[axis] = split(resolved[index].name, order)));
  });
  return sharding;
}

/** The local tensor of every device (index = device id) for `tensor` laid out by `layout`. */
export function shardByLayout<S extends string>(layout: Layout, tensor: Tensor<S>): Tensor<S>[] {
  return shardTensor(layout.mesh, shardingOf(layout, tensor.dims, describeTensor(tensor)), tensor);
}

/**
 * The global tensor with `dims` (a dims string or a list, global sizes) from
 * the local tensors of every device laid out by `layout`; replicas must agree
 * (see `gatherTensor`), and the result must have exactly `dims`.
 */
export function gatherByLayout<S extends string>(layout: Layout, dims: string | readonly Dim[], shards: readonly Tensor<S>[]): Tensor<S> {
  const resolved = resolveDims(layout, dims);
  const expected = resolved.map((dim) => `${dim.name}=${dim.size}`).join(", ");
  const global = gatherTensor(layout.mesh, shardingOf(layout, resolved, `tensor [${expected}]`), shards, resolved);
  const same = global.dims.length === resolved.length &&
    global.dims.every((dim, index) => dim.name === resolved[index].name && dim.size === resolved[index].size);
  if (!same) {
    throw new MeshtypeError(
      "gather-dims",
      `Gather by layout "${layout.spec}": expected a tensor [${expected}], but the shards make ${describeTensor(global)}. ` +
        `Check that the shards come from a value with these global dims, in this order.`,
    );
  }
  return global;
}
