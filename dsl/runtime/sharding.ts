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
 * The state of one value along one mesh axis. A split with `halo` is a block
 * of `dim` with `halo` rows of each neighbour around it: the input of a
 * spatially split conv2d inside a device program, never a param's or result's
 * state (the shard and gather helpers do not take it).
 */
export type AxisState =
  | { readonly kind: "replicated" }
  | { readonly kind: "split"; readonly dim: string; readonly halo?: number }
  | { readonly kind: "partial"; readonly reduce: PartialReduce };

/**
 * One state per mesh axis, keyed by axis name. The compiler always lists every
 * axis; the runtime helpers read a missing axis as replicated.
 */
export type Sharding = Readonly<Record<string, AxisState>>;

/** The replicated state. */
export const replicated: AxisState = Object.freeze({ kind: "replicated" });

/** The state "split along `dim`". */
export function split(dim: string): AxisState {
  return { kind: "split", dim };
}

/** The state "a pending `reduce` over the axis". */
export function partial(reduce: PartialReduce = "sum"): AxisState {
  return { kind: "partial", reduce };
}

/** `split(d_ff)`, `split(height)+halo(1)`, `replicated`, `partial(sum)`: how messages print one state. */
export function describeAxisState(state: AxisState): string {
  switch (state.kind) {
    case "replicated":
      return "replicated";
    case "split":
      return state.halo ? `split(${state.dim})+halo(${state.halo})` : `split(${state.dim})`;
    case "partial":
      return `partial(${state.reduce})`;
  }
}

/** `{ data: split(batch), model: replicated }`: how messages print a sharding. */
export function describeSharding(sharding: Sharding): string {
  const parts = Object.entries(sharding).map(([axis, state]) => `${axis}: ${describeAxisState(state)}`);
  return parts.length === 0 ? "{} (replicated on every axis)" : `{ ${parts.join(", ")} }`;
}
