/**
 * Cut a global tensor into the local tensors of every device, and put them
 * back together, for a given `Sharding`. A dim may be split over several mesh
 * axes: the chunking is then nested in mesh-axis order (the first axis of the
 * mesh that splits it is the major one), so the device at coordinates
 * (data=i, model=j) of a dim split over both holds chunk i * |model| + j.
 */
import { MeshtypeError } from "../errors.ts";
import type { Mesh } from "../mesh.ts";
import { Tensor, describeTensor, type Dim } from "../tensor.ts";
import { describeSharding, type Sharding } from "./sharding.ts";

/** For each dim (in order), the mesh axes that split it, in mesh-axis order. */
function splitAxesOf(mesh: Mesh, sharding: Sharding, names: readonly string[], what: string, action: string): string[][] {
  const axesByDim = names.map((): string[] => []);
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
    axesByDim[index].push(axis);
  }
  return axesByDim;
}

/** Number of chunks of each dim, and which chunk `device` holds. */
function chunkIndex(mesh: Mesh, axes: readonly string[], device: number): { parts: number; index: number } {
  const coords = mesh.coords(device);
  let parts = 1;
  let index = 0;
  for (const axis of axes) {
    const size = mesh.axisSize(axis);
    parts *= size;
    index = index * size + coords[axis];
  }
  return { parts, index };
}

/** Copy between a local block (offsets per dim) and a global buffer, row by row; `toGlobal` says which way. */
function copyBlock(local: Float32Array, localDims: readonly Dim[], global: Float32Array, globalDims: readonly Dim[], offsets: readonly number[], toGlobal: boolean): void {
  const rank = localDims.length;
  if (rank === 0) {
    if (toGlobal) global[0] = local[0];
    else local[0] = global[0];
    return;
  }
  const globalStrides = new Array<number>(rank);
  let stride = 1;
  for (let axis = rank - 1; axis >= 0; axis--) {
    globalStrides[axis] = stride;
    stride *= globalDims[axis].size;
  }
  const run = localDims[rank - 1].size;
  const rows = local.length / run;
  const position = new Array<number>(rank - 1).fill(0);
  for (let row = 0; row < rows; row++) {
    let start = offsets[rank - 1];
    for (let axis = 0; axis < rank - 1; axis++) start += (offsets[axis] + position[axis]) * globalStrides[axis];
    if (toGlobal) global.set(local.subarray(row * run, row * run + run), start);
    else local.set(global.subarray(start, start + run), row * run);
    for (let axis = rank - 2; axis >= 0; axis--) {
      if (++position[axis] < localDims[axis].size) break;
      position[axis] = 0;
    }
  }
}

/**
 * The local tensor of every device (index = device id) for `global` laid out
 * by `sharding`: a dim split over axes is cut into equal chunks and each
 * device keeps the chunk of its coordinates; replicated axes copy. A missing
 * axis reads as replicated. Partial states are rejected: a partial value has
 * no single way to be cut.
 *
 * @example
 * const shards = shardTensor(M, { data: split("batch"), model: replicated }, x);
 */
export function shardTensor<S extends string>(mesh: Mesh, sharding: Sharding, global: Tensor<S>): Tensor<S>[] {
  const what = describeTensor(global);
  const axesByDim = splitAxesOf(mesh, sharding, global.names, what, "Shard");
  const localDims = global.dims.map((dim, index) => {
    const parts = chunkIndex(mesh, axesByDim[index], 0).parts;
    if (dim.size % parts !== 0) {
      throw new MeshtypeError(
        "sharding-indivisible",
        `Shard ${what}: dim "${dim.name}" has size ${dim.size}, which mesh axes ${axesByDim[index].map((axis) => `"${axis}"`).join(" x ")} ` +
          `(${parts} devices) do not divide. Make "${dim.name}" a multiple of ${parts}, or split it over fewer devices.`,
      );
    }
    return { name: dim.name, size: dim.size / parts };
  });
  return Array.from({ length: mesh.deviceCount }, (_, device) => {
    const offsets = axesByDim.map((axes, index) => chunkIndex(mesh, axes, device).index * localDims[index].size);
    const data = new Float32Array(localDims.reduce((product, dim) => product * dim.size, 1));
    copyBlock(data, localDims, global.data, global.dims, offsets, false);
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
 * dims; devices that hold the same chunk (replicas) must agree exactly
 * (every element `===`, NaN equal to NaN), otherwise a `MeshtypeError` names the devices
 * and the first differing element. Partial states are rejected: reduce first.
 */
export function gatherTensor<S extends string>(mesh: Mesh, sharding: Sharding, shards: readonly Tensor<S>[]): Tensor<S> {
  if (shards.length !== mesh.deviceCount) {
    throw new MeshtypeError(
      "gather-count",
      `Gather: ${mesh} has ${mesh.deviceCount} devices but ${shards.length} shards were given. Pass one local tensor per device, indexed by device id.`,
    );
  }
  const first = shards[0];
  const what = describeTensor(first);
  const axesByDim = splitAxesOf(mesh, sharding, first.names, `the shards of ${what}`, "Gather");
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
  const globalDims = first.dims.map((dim, index) => ({ name: dim.name, size: dim.size * chunkIndex(mesh, axesByDim[index], 0).parts }));
  const global = new Float32Array(globalDims.reduce((product, dim) => product * dim.size, 1));
  const owners = new Map<string, number>();
  shards.forEach((shard, device) => {
    const offsets = axesByDim.map((axes, index) => chunkIndex(mesh, axes, device).index * first.dims[index].size);
    const key = offsets.join(",");
    const owner = owners.get(key);
    if (owner === undefined) {
      owners.set(key, device);
      copyBlock(shard.data, first.dims, global, globalDims, offsets, true);
      return;
    }
    const reference = shards[owner].data;
    for (let element = 0; element < reference.length; element++) {
      const mine = shard.data[element];
      const theirs = reference[element];
      if (mine === theirs || (Number.isNaN(mine) && Number.isNaN(theirs))) continue;
      throw new MeshtypeError(
        "replica-mismatch",
        `Gather ${what}: devices ${owner} and ${device} should hold the same replica under sharding ${describeSharding(sharding)}, ` +
          `but differ first at ${describePosition(first.dims, offsets, element)}: device ${owner} has ${theirs}, device ${device} has ${mine}. ` +
          `A replicated value must be identical on every device of the axis: check for a missing allReduce, or a computation that depends on the device.`,
      );
    }
  });
  return new Tensor<S>(globalDims, global, first.label);
}
