/**
 * Cut a global tensor into the local tensors of every device, and put them
 * back together, for a given `Sharding`. A dim may be split over several mesh
 * axes: the chunking is then nested, major axis first (by the states'
 * `order`, then mesh order), so the device at coordinates (data=i, model=j)
 * of a dim split over (data, model) holds chunk i * |model| + j. A dim the
 * axes do not divide is split unevenly (padding.ts): every shard has
 * ceil(size / devices) entries, the short ones padded with zeros, and
 * gathering drops the padding (give the global dims).
 */
import { MeshtypeError } from "../errors.ts";
import { describeValue, isTensor } from "./checkArgs.ts";
import type { Mesh, MeshAxis } from "../mesh.ts";
import { Tensor, describeTensor, type Dim } from "../tensor.ts";
import { blockOf, localSize, splitAxesOf, type Block } from "./padding.ts";
import { describeSharding, type Sharding } from "./sharding.ts";

/** For each dim (in order), the mesh axes that split it, major first (checking that the sharding fits the tensor). */
function axesByDimOf(mesh: Mesh, sharding: Sharding, names: readonly string[], what: string, action: string): MeshAxis[][] {
  for (const axis of Object.keys(sharding)) {
    if (!(axis in mesh.sizes)) {
      throw new MeshtypeError(
        "sharding-unknown-axis",
        `${action} ${what}: sharding ${describeSharding(sharding)} names mesh axis "${axis}", which ${mesh} does not have. ` +
          `Use one of: ${mesh.axes.map((entry) => entry.name).join(", ")}.`,
      );
    }
  }
  for (const { name: axis } of mesh.axes) {
    const state = sharding[axis];
    if (state === undefined || state.kind === "replicated") continue;
    if (state.kind === "partial") {
      throw new MeshtypeError(
        "sharding-partial",
        `${action} ${what}: it is partial(${state.reduce}) over mesh axis "${axis}" (sharding ${describeSharding(sharding)}). ` +
          `A partial value holds one term of a pending ${state.reduce} on each device; reduce it first ` +
          `(allReduce over "${axis}", or reduceScatter to split it), then ${action.toLowerCase()} the result.`,
      );
    }
    const index = names.indexOf(state.dim);
    if (index < 0) {
      throw new MeshtypeError(
        "sharding-unknown-dim",
        `${action} ${what}: sharding ${describeSharding(sharding)} splits dim "${state.dim}" over "${axis}", ` +
          `but the tensor has dims: ${names.join(", ") || "(none: a scalar)"}. Split one of its own dims, or leave "${axis}" replicated.`,
      );
    }
  }
  return names.map((name) => splitAxesOf(name, sharding, mesh.axes));
}

/**
 * Copy a region between a local block and a global buffer, row by row:
 * `extents` entries of every dim, at `offsets` in the global tensor and at 0
 * in the local one; `toGlobal` says which way.
 */
function copyRegion(
  local: Float32Array, localDims: readonly Dim[], global: Float32Array, globalDims: readonly Dim[],
  offsets: readonly number[], extents: readonly number[], toGlobal: boolean,
): void {
  const rank = localDims.length;
  if (rank === 0) {
    if (toGlobal) global[0] = local[0];
    else local[0] = global[0];
    return;
  }
  if (extents.some((extent) => extent <= 0)) return;
  const globalStrides = stridesOf(globalDims);
  const localStrides = stridesOf(localDims);
  const run = extents[rank - 1];
  const position = new Array<number>(rank - 1).fill(0);
  const rows = extents.slice(0, rank - 1).reduce((product, extent) => product * extent, 1);
  for (let row = 0; row < rows; row++) {
    let start = offsets[rank - 1];
    let localStart = 0;
    for (let axis = 0; axis < rank - 1; axis++) {
      start += (offsets[axis] + position[axis]) * globalStrides[axis];
      localStart += position[axis] * localStrides[axis];
    }
    if (toGlobal) global.set(local.subarray(localStart, localStart + run), start);
    else local.set(global.subarray(start, start + run), localStart);
    for (let axis = rank - 2; axis >= 0; axis--) {
      if (++position[axis] < extents[axis]) break;
      position[axis] = 0;
    }
  }
}

function stridesOf(dims: readonly Dim[]): number[] {
  const strides = new Array<number>(dims.length);
  let stride = 1;
  for (let axis = dims.length - 1; axis >= 0; axis--) {
    strides[axis] = stride;
    stride *= dims[axis].size;
  }
  return strides;
}

/** Every dim's block (padding.ts) on `device`, for a tensor of `globalDims` split by `axesByDim`. */
function blocksOf(mesh: Mesh, globalDims: readonly Dim[], axesByDim: readonly (readonly MeshAxis[])[], device: number): Block[] {
  const coords = mesh.coords(device);
  return globalDims.map((dim, index) => blockOf(dim.size, axesByDim[index], coords));
}

/**
 * The local tensor of every device (index = device id) for `global` laid out
 * by `sharding`: a dim split over axes is cut into chunks of ceil(size /
 * devices), nested major axis first, and each device keeps the chunk of its
 * coordinates (zeros past the end of a short one); replicated axes copy. A
 * missing axis reads as replicated. Partial states are rejected: a partial
 * value has no single way to be cut.
 *
 * @example
 * const shards = shardTensor(M, { data: split("batch"), model: replicated }, x);
 */
export function shardTensor<S extends string>(mesh: Mesh, sharding: Sharding, global: Tensor<S>): Tensor<S>[] {
  if (!isTensor(global)) {
    throw new MeshtypeError("shard-input", `Shard: expected the global tensor to cut into shards, but got ${describeValue(global)}.`);
  }
  const what = describeTensor(global);
  const axesByDim = axesByDimOf(mesh, sharding, global.names, what, "Shard");
  const localDims = global.dims.map((dim, index) => ({ name: dim.name, size: localSize(dim.size, axesByDim[index].map((axis) => axis.size)) }));
  return Array.from({ length: mesh.deviceCount }, (_, device) => {
    const blocks = blocksOf(mesh, global.dims, axesByDim, device);
    const data = new Float32Array(localDims.reduce((product, dim) => product * dim.size, 1));
    copyRegion(data, localDims, global.data, global.dims, blocks.map((block) => block.offset), blocks.map((block) => block.valid), false);
    return new Tensor<S>(localDims, data, global.label);
  });
}

/** `[batch=3, d=1]`: the global position of a local element, for messages. */
function describePosition(localDims: readonly Dim[], offsets: readonly number[], element: number): string {
  const parts: string[] = [];
  let rest = element;
  for (let axis = localDims.length - 1; axis >= 0; axis--) {
    parts.unshift(`${localDims[axis].name}=${offsets[axis] + (rest % localDims[axis].size)}`);
    rest = Math.floor(rest / localDims[axis].size);
  }
  return `[${parts.join(", ")}]`;
}

/**
 * Put the local tensors of every device (index = device id) back into the
 * global tensor laid out by `sharding`. Every shard must have the same local
 * dims; devices that hold the same chunk (replicas) must agree exactly on its
 * real entries (every element `===`, NaN equal to NaN), otherwise a
 * `MeshtypeError` names the devices and the first differing element. Partial
 * states are rejected: reduce first. `globalDims` (the sizes before the
 * split) are needed when a split is uneven, to drop the padding; without
 * them every split is taken as even (global = local x devices).
 */
export function gatherTensor<S extends string>(mesh: Mesh, sharding: Sharding, shards: readonly Tensor<S>[], globalDims?: readonly Dim[]): Tensor<S> {
  if (shards.length !== mesh.deviceCount) {
    throw new MeshtypeError(
      "gather-count",
      `Gather: ${mesh} has ${mesh.deviceCount} devices but ${shards.length} shards were given. Pass one local tensor per device, indexed by device id.`,
    );
  }
  shards.forEach((shard, device) => {
    if (!isTensor(shard)) throw new MeshtypeError("gather-input", `Gather: device ${device} holds ${describeValue(shard)}, not a tensor. Pass each device's local tensor, indexed by device id.`);
  });
  const first = shards[0];
  const what = describeTensor(first);
  const axesByDim = axesByDimOf(mesh, sharding, first.names, `the shards of ${what}`, "Gather");
  shards.forEach((shard, device) => {
    const same = shard.dims.length === first.dims.length &&
      shard.dims.every((dim, index) => dim.name === first.dims[index].name && dim.size === first.dims[index].size);
    if (!same) {
      throw new MeshtypeError(
        "gather-shapes",
        `Gather: device ${device} holds ${describeTensor(shard)} but device 0 holds ${what}. ` +
          `Every device must hold a local tensor with the same dims for sharding ${describeSharding(sharding)}.`,
      );
    }
  });
  const sizes = first.dims.map((dim, index) => globalDims?.[index]?.size ?? dim.size * axesByDim[index].reduce((product, axis) => product * axis.size, 1));
  const fullDims = first.dims.map((dim, index) => ({ name: dim.name, size: sizes[index] }));
  const fits = first.dims.every((dim, index) => globalDims?.[index]?.name === undefined || (globalDims[index].name === dim.name && localSize(sizes[index], axesByDim[index].map((axis) => axis.size)) === dim.size));
  if (!fits) {
    throw new MeshtypeError(
      "gather-shapes",
      `Gather ${what}: shards of a tensor [${fullDims.map((dim) => `${dim.name}=${dim.size}`).join(", ")}] under sharding ${describeSharding(sharding)} ` +
        `hold [${fullDims.map((dim, index) => `${dim.name}=${localSize(dim.size, axesByDim[index].map((axis) => axis.size))}`).join(", ")}] each, not ${what}. Pass the global dims of the value the shards come from.`,
    );
  }
  const global = new Float32Array(fullDims.reduce((product, dim) => product * dim.size, 1));
  const owners = new Map<string, number>();
  shards.forEach((shard, device) => {
    const blocks = blocksOf(mesh, fullDims, axesByDim, device);
    const offsets = blocks.map((block) => block.offset);
    const extents = blocks.map((block) => block.valid);
    // an empty block past the end of an uneven split may start where a real one does: the extents tell them apart
    const key = `${offsets.join(",")}|${extents.join(",")}`;
    const owner = owners.get(key);
    if (owner === undefined) {
      owners.set(key, device);
      copyRegion(shard.data, first.dims, global, fullDims, offsets, extents, true);
      return;
    }
    const reference = shards[owner].data;
    const strides = stridesOf(first.dims);
    for (let element = 0; element < reference.length; element++) {
      const real = first.dims.every((_, axis) => Math.floor(element / strides[axis]) % first.dims[axis].size < extents[axis]);
      const mine = shard.data[element];
      const theirs = reference[element];
      if (!real || mine === theirs || (Number.isNaN(mine) && Number.isNaN(theirs))) continue;
      throw new MeshtypeError(
        "replica-mismatch",
        `Gather ${what}: devices ${owner} and ${device} should hold the same replica under sharding ${describeSharding(sharding)}, ` +
          `but differ first at ${describePosition(first.dims, offsets, element)}: device ${owner} has ${theirs}, device ${device} has ${mine}. ` +
          `A replicated value must be identical on every device of the axis: check for a missing allReduce, or a computation that depends on the device.`,
      );
    }
  });
  return new Tensor<S>(fullDims, global, first.label);
}
