/**
 * The per-axis state of a distributed value, as the runtime sees it.
 *
 * Structurally identical to `AxisState` / `Sharding` / `PartialReduce` in
 * compiler/ir/ir.ts, declared again here so that the
 * runtime, which generated device modules import, never imports the compiler.
 * A value of one type is assignable to the other.
 */

/** The pending reduction of a partial value. */
export type PartialReduce = "sum" | "max";

/**
 * The state of one value along one mesh axis.
 *
 * A dim may be split over several axes: `order` says where this axis stands
 * among them, major first (0, the default, is the major axis; the compiler
 * writes it only when it is not 0). A dim of size N split over axes of sizes
 * n0, n1, ... (by order) is cut into n0 blocks of ceil(N / n0), each block
 * into n1 blocks of ceil(N / (n0 n1)), and so on: every device holds
 * ceil(N / (n0 n1 ...)) entries, and when the sizes do not divide, the last
 * blocks are short: their local tensor is padded at the end of the dim (see
 * padding.ts for which entries are real). Axes with the same order count in
 * mesh order.
 *
 * A split with `halo` is a block of `dim` with `halo` rows of each neighbour
 * around it: the input of a spatially split conv2d inside a device program,
 * never a param's or result's state (the shard and gather helpers do not take it).
 */
export type AxisState =
  | { readonly kind: "replicated" }
  | { readonly kind: "split"; readonly dim: string; readonly order?: number; readonly halo?: number }
  | { readonly kind: "partial"; readonly reduce: PartialReduce };

/**
 * One state per mesh axis, keyed by axis name. The compiler always lists every
 * axis; the runtime helpers read a missing axis as replicated.
 */
export type Sharding = Readonly<Record<string, AxisState>>;

/** The replicated state. */
export const replicated: AxisState = Object.freeze({ kind: "replicated" });

/** The state "split along `dim`", as the axis of rank `order` among those that split it (0: the major one). */
export function split(dim: string, order = 0): AxisState {
  return order === 0 ? { kind: "split", dim } : { kind: "split", dim, order };
}

/** The state "a pending `reduce` over the axis". */
export function partial(reduce: PartialReduce = "sum"): AxisState {
  return { kind: "partial", reduce };
}

/**
 * `split(d_ff)`, `split(batch@1)` (the second axis, after the major one, that
 * splits batch), `split(height)+halo(1)`, `replicated`, `partial(sum)`: how
 * messages print one state.
 */
export function describeAxisState(state: AxisState): string {
  switch (state.kind) {
    case "replicated":
      return "replicated";
    case "split": {
      const dim = state.order ? `${state.dim}@${state.order}` : state.dim;
      return state.halo ? `split(${dim})+halo(${state.halo})` : `split(${dim})`;
    }
    case "partial":
      return `partial(${state.reduce})`;
  }
}

/** `{ data: split(batch), model: replicated }`: how messages print a sharding. */
export function describeSharding(sharding: Sharding): string {
  const parts = Object.entries(sharding).map(([axis, state]) => `${axis}: ${describeAxisState(state)}`);
  return parts.length === 0 ? "{} (replicated on every axis)" : `{ ${parts.join(", ")} }`;
}
