/**
 * A strided `conv2d` whose stride equals its window (with padding "valid"):
 * non-overlapping patches, as a ViT's patch embedding. It is no sliding
 * window but a reshape and one contraction: each spatial dim is cut to a
 * multiple of its window (the rows a stride would skip), split into
 * `[dim: size / window, window]` under the kernel's window name, and the
 * patches are contracted with the kernel over the two windows and `in`.
 * The eager op (conv.ts) and the compiler's front end (dslOps.ts) both run
 * this plan, with the eager ops and with IR ops, so autodiff and every back
 * end see plain slices, splits and an einsum.
 */
import type { Dim } from "../tensor.ts";
import { findDim } from "./dimLists.ts";
import { convSpatial, type Conv2dSpec } from "./shapeRulesConv.ts";

/** The steps of a patch conv2d, in order. */
export interface PatchPlan {
  /** Spatial dims cut to `stop` first (a size that the window does not divide). */
  readonly slices: readonly { readonly dim: string; readonly stop: number }[];
  /** Each spatial dim split into itself (the patch count) and the kernel's window dim. */
  readonly splits: readonly { readonly dim: string; readonly into: readonly [Dim, Dim] }[];
  /** The contraction's result: x's dims in x's order with `in` replaced by `out`. */
  readonly out: readonly string[];
}

/** The plan of `conv2d(x, kernel, spec)` with strides equal to the windows (conv2dDims has checked them). */
export function patchPlan(x: readonly Dim[], kernel: readonly Dim[], spec: Conv2dSpec): PatchPlan {
  const slices: { dim: string; stop: number }[] = [];
  const splits: { dim: string; into: readonly [Dim, Dim] }[] = [];
  for (const pair of convSpatial(spec)) {
    const size = x[findDim(x, pair.dim)].size;
    const window = kernel[findDim(kernel, pair.window)].size;
    const patches = Math.floor(size / window);
    if (patches * window !== size) slices.push({ dim: pair.dim, stop: patches * window });
    splits.push({ dim: pair.dim, into: [{ name: pair.dim, size: patches }, { name: pair.window, size: window }] });
  }
  return { slices, splits, out: x.map((dim) => (dim.name === spec.in ? spec.out : dim.name)) };
}
