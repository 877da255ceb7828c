/**
 * What a generated `<name>Meta` says about its device program: the mesh,
 * and the global dims and sharding of every parameter leaf and result leaf.
 * The runtime's own copy of the compiler's `ProgramMeta` (same shape), so
 * that generated modules and the helpers never import the compiler; the
 * emitted `as const` literal is assignable to it.
 */
import type { Dim, Tensor } from "../tensor.ts";
import type { Sharding } from "./sharding.ts";

/** A leaf: a tensor's global dims and its state on each mesh axis. */
export interface MetaTensor {
  readonly kind: "tensor";
  readonly dims: readonly Dim[];
  readonly sharding: Sharding;
}

/** A tree of tensors with the global dims and sharding of each leaf. */
export type MetaTree =
  | MetaTensor
  | { readonly kind: "object"; readonly fields: Readonly<Record<string, MetaTree>> }
  | { readonly kind: "array"; readonly items: readonly MetaTree[] };

/** What `<name>Meta` holds. */
export interface ProgramMeta {
  readonly name: string;
  /** Mesh axis sizes, in mesh order. */
  readonly mesh: Readonly<Record<string, number>>;
  readonly layout: string;
  readonly params: readonly { readonly name: string; readonly tree: MetaTree }[];
  readonly result: MetaTree;
}

/** A tree of tensors: what a program takes per parameter and returns. */
export type TensorTree = Tensor | readonly TensorTree[] | { readonly [field: string]: TensorTree };

/** `[batch=8 seq=4]`: how the helpers' messages write dims. */
export function formatDimList(dims: readonly Dim[]): string {
  return `[${dims.map((dim) => `${dim.name}=${dim.size}`).join(" ")}]`;
}

/**
 * The dims one device holds of a leaf: each dim split over mesh axes has
 * ceil(size / the product of their sizes) entries (an uneven split's short
 * shards are padded to it, see padding.ts).
 */
export function localDimsOf(leaf: MetaTensor, mesh: Readonly<Record<string, number>>): Dim[] {
  return leaf.dims.map((dim) => {
    let parts = 1;
    for (const [axis, state] of Object.entries(leaf.sharding)) {
      if (state.kind === "split" && state.dim === dim.name) parts *= mesh[axis] ?? 1;
    }
    return { name: dim.name, size: Math.ceil(dim.size / parts) };
  });
}

/** `split(d_ff) over model` style summary of how a leaf is laid out, for messages. */
export function describeLayoutOf(leaf: MetaTensor): string {
  const splits = Object.entries(leaf.sharding).flatMap(([axis, state]) => (state.kind === "split" ? [`${state.dim} split over ${axis}`] : []));
  return splits.length === 0 ? "replicated on every device" : splits.join(", ");
}

/** Each leaf of `tree` with its path (`params.up.w`, `layers[2]`). */
export function metaLeaves(tree: MetaTree, path: string): { readonly path: string; readonly leaf: MetaTensor }[] {
  switch (tree.kind) {
    case "tensor":
      return [{ path, leaf: tree }];
    case "array":
      return tree.items.flatMap((item, index) => metaLeaves(item, `${path}[${index}]`));
    case "object":
      return Object.entries(tree.fields).flatMap(([field, item]) => metaLeaves(item, `${path}.${field}`));
  }
}
