/**
 * The geometry of split dims, even or uneven (padded): which axes split a
 * dim and in which order, how long a device's block is, where it starts in
 * the global dim, and how many of its entries are real.
 *
 * A dim of global size N split over axes of sizes n0, n1, ... (major first)
 * is cut level by level: into n0 blocks of c0 = ceil(N / n0), each block into
 * n1 blocks of c1 = ceil(c0 / n1) = ceil(N / (n0 n1)), and so on. A device
 * holds a block of the last size on every device (its local size), starting
 * at the sum of its coordinate times the block size of each level. When the
 * sizes do not divide, some blocks run past the end of their parent: their
 * tail is padding (entries that stand for nothing), always at the end of the
 * local dim. With even sizes this is the plain nested chunking.
 */
import type { MeshAxis } from "../mesh.ts";
import { Tensor } from "../tensor.ts";
import type { Sharding } from "./sharding.ts";

/** The mesh axes that split `dim` under `sharding`, major first: by their `order`, then in mesh order. */
export function splitAxesOf(dim: string, sharding: Sharding, mesh: readonly MeshAxis[]): MeshAxis[] {
  const found: { axis: MeshAxis; order: number; index: number }[] = [];
  mesh.forEach((axis, index) => {
    const state = sharding[axis.name];
    if (state?.kind === "split" && state.dim === dim) found.push({ axis, order: state.order ?? 0, index });
  });
  return found.sort((first, second) => first.order - second.order || first.index - second.index).map((entry) => entry.axis);
}

/** The local size of a dim of global size `size` split over axes of sizes `axisSizes`: ceil(size / their product). */
export function localSize(size: number, axisSizes: readonly number[]): number {
  return Math.ceil(size / axisSizes.reduce((product, axisSize) => product * axisSize, 1));
}

/** True when axes of sizes `axisSizes` split a dim of `size` unevenly (some devices hold padding). */
export function isUneven(size: number, axisSizes: readonly number[]): boolean {
  return size % axisSizes.reduce((product, axisSize) => product * axisSize, 1) !== 0;
}

/** One device's block of a split dim: where it starts in the global dim, its local size, and how many entries are real. */
export interface Block {
  readonly offset: number;
  readonly local: number;
  readonly valid: number;
}

/**
 * The block of a dim of global size `size`, split over `axes` (major first,
 * each with its size), that the device at `coords` holds (see the module comment).
 *
 * @example
 * // 5 entries over (data=2, fsdp=2): blocks of 3, then 2 -> [0 1] [2 _] [3 4] [_ _]
 * blockOf(5, [{ name: "data", size: 2 }, { name: "fsdp", size: 2 }], { data: 1, fsdp: 0 }); // { offset: 3, local: 2, valid: 2 }
 */
export function blockOf(size: number, axes: readonly MeshAxis[], coords: Readonly<Record<string, number>>): Block {
  let extent = size;
  let valid = size;
  let offset = 0;
  for (const axis of axes) {
    const chunk = Math.ceil(extent / axis.size);
    const index = coords[axis.name] ?? 0;
    offset += index * chunk;
    valid = Math.min(chunk, Math.max(0, valid - index * chunk));
    extent = chunk;
  }
  return { offset, local: extent, valid };
}

/** What `validLength` needs of a device: its coordinates and the sizes of the mesh axes. */
export interface DevicePlace {
  readonly coords: Readonly<Record<string, number>>;
  readonly mesh: { readonly sizes: Readonly<Record<string, number>> };
}

/**
 * How many entries of a dim of global size `size`, split over the mesh axes
 * `axes` (names, major first), are real on this device: the rest of its
 * local block is padding. Generated device code calls it before `maskPadding`.
 *
 * @example
 * validLength(ctx, 50257, ["model"]); // 6283 on model=0..6 of 8, 6276 on model=7
 */
export function validLength(device: DevicePlace, size: number, axes: readonly string[]): number {
  return blockOf(size, axes.map((name) => ({ name, size: device.mesh.sizes[name] })), device.coords).valid;
}

/**
 * `x` with every entry at or past `valid[dim]` along each named dim set to
 * `fill`: the padding of a short shard made harmless before a reduction
 * reads it (0 for a sum or a contraction, -Infinity for a max). A new tensor;
 * `x` is unchanged.
 *
 * @example
 * maskPadding(logits, { vocab: validLength(ctx, 50257, ["model"]) }, -Infinity);
 */
export function maskPadding<S extends string>(x: Tensor<S>, valid: Readonly<Record<string, number>>, fill: number): Tensor<S> {
  const data = Float32Array.from(x.data);
  const strides = new Array<number>(x.dims.length);
  let stride = 1;
  for (let axis = x.dims.length - 1; axis >= 0; axis--) {
    strides[axis] = stride;
    stride *= x.dims[axis].size;
  }
  x.dims.forEach((dim, axis) => {
    const keep = valid[dim.name];
    if (keep === undefined || keep >= dim.size) return;
    const inner = strides[axis];
    const run = dim.size * inner;
    for (let start = 0; start < data.length; start += run) data.fill(fill, start + Math.max(0, keep) * inner, start + run);
  });
  return new Tensor<S>(x.dims, data, x.label);
}
