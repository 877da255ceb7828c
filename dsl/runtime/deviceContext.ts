import type { Mesh } from "../mesh.ts";
import type { Dim, Tensor } from "../tensor.ts";
import type { UnevenOptions } from "./collectives.ts";
import type { PartialReduce } from "./sharding.ts";

/**
 * What a generated device program receives as its first argument: who it is
 * on the mesh, and the collectives it may call. Every collective works over
 * ONE mesh axis: its group is the devices that share every other coordinate
 * with this one (`Mesh.group(device, axis)`), in axis order; every device of
 * the group must make the same call (same kind, axis, local dims and
 * attributes) as its n-th collective over that axis.
 *
 * Tensors hold LOCAL dims: the same names as the global value, with every
 * split dim's size divided by the devices it is split over (rounded up when
 * they do not divide it: see padding.ts). Each collective returns a new
 * tensor with the same dim names in the same order, and never modifies its
 * input. Chunking along a dim needs the dim's size to be a multiple of the
 * group size unless the call passes `{ pad: true }` (an uneven split);
 * otherwise a `MeshtypeError` names the tensor, the dim, the axis and the
 * sizes. Joining along a dim keeps `{ size }` entries when given (the padding
 * of an uneven split dropped).
 *
 * @example
 * // Megatron MLP, d_ff split over "model": contract locally, then sum partials.
 * async function mlp(ctx: DeviceContext, x: Tensor<"b d">, w1: Tensor<"d f">, w2: Tensor<"f d">) {
 *   const h = relu(einsum(x, w1, "b f"));
 *   return ctx.allReduce(einsum(h, w2, "b d"), "model", "sum");
 * }
 */
export interface DeviceContext {
  /** This device's id: row-major over the mesh axes. */
  readonly device: number;
  /** This device's coordinate on every mesh axis, keyed by axis name. */
  readonly coords: Readonly<Record<string, number>>;
  /** The mesh the program runs on. */
  readonly mesh: Mesh;

  /**
   * partial -> replicated. Every device of the group gets the element-wise
   * `reduce` (sum or max) of all the group's inputs, combined in axis order
   * (so every device gets bit-identical results). Dims unchanged. Given
   * several axes, one call over all of them: the group is every device that
   * differs from this one only on those axes (a sum pending on each).
   */
  allReduce<S extends string>(x: Tensor<S>, axis: string | readonly string[], reduce: PartialReduce): Promise<Tensor<S>>;

  /**
   * split(dim) -> replicated. Concatenates the group's shards along `dim` in
   * axis order: `dim` grows by the group size n (to `options.size` when given).
   */
  allGather<S extends string>(x: Tensor<S>, axis: string, dim: string, options?: UnevenOptions): Promise<Tensor<S>>;

  /**
   * partial -> split(dim). Reduces over the group like `allReduce`, then the
   * device at axis coordinate k keeps chunk k of n along `dim`: `dim` shrinks
   * by n (to ceil(size / n) with `options.pad`). `reduce` defaults to "sum".
   */
  reduceScatter<S extends string>(x: Tensor<S>, axis: string, dim: string, reduce?: PartialReduce, options?: UnevenOptions): Promise<Tensor<S>>;

  /**
   * split(concatDim) -> split(splitDim). Splits `x` into n chunks along
   * `splitDim`, sends chunk j to the device at axis coordinate j, and
   * concatenates what arrives along `concatDim` in axis order: `splitDim`
   * shrinks by n, `concatDim` grows by n. The two dims must differ.
   * `options.pad` pads `splitDim`, `options.size` trims `concatDim`.
   */
  allToAll<S extends string>(x: Tensor<S>, axis: string, splitDim: string, concatDim: string, options?: UnevenOptions): Promise<Tensor<S>>;

  /**
   * replicated -> split(dim), with no communication: the device at axis
   * coordinate k keeps chunk k of n along `dim`. Synchronous (awaiting it is
   * harmless); it takes no part in the collective order of the group.
   * With `options.pad` the chunks have ceil(size / n) entries, zeros past the end.
   */
  localSlice<S extends string>(x: Tensor<S>, axis: string, dim: string, options?: UnevenOptions): Tensor<S>;

  /**
   * Non-cyclic shift along the axis (halo exchange): the device at coordinate
   * k sends `x` to coordinate k + shift and receives from k - shift; a device
   * with no sender (k - shift outside 0..n-1) gets zeros. Dims unchanged.
   */
  collectivePermute<S extends string>(x: Tensor<S>, axis: string, shift: number): Promise<Tensor<S>>;

  /**
   * Point-to-point (pipeline stages): send `x` to the device at coordinate
   * `to` on `axis` (every other coordinate this device's), under `tag`.
   * Buffered: it returns once the message is handed over, before the receiver
   * takes it (an isend), so sends never deadlock. Optional: contexts
   * without point-to-point (older runtimes) lack it.
   */
  send?<S extends string>(x: Tensor<S>, axis: string, to: number, tag: string): Promise<void>;

  /**
   * Point-to-point: receive what the device at coordinate `from` on `axis`
   * sends under `tag`, a tensor of local `dims` (a message of other dims is an
   * error naming both devices).
   */
  recv?<S extends string>(dims: readonly Dim[], axis: string, from: number, tag: string): Promise<Tensor<S>>;
}

/** The names of the collectives a device context offers, as counted by the simulated mesh. */
export const CollectiveKinds = [
  "allReduce",
  "allGather",
  "reduceScatter",
  "allToAll",
  "localSlice",
  "collectivePermute",
  "send",
] as const;

/** One of `CollectiveKinds`. */
export type CollectiveKind = (typeof CollectiveKinds)[number];

/**
 * A device program as the simulated mesh runs it: the context first, then the
 * program's own arguments (local tensors, or trees of them).
 */
export type DeviceProgram<Args extends readonly unknown[], Result> = (ctx: DeviceContext, ...args: Args) => Promise<Result>;
