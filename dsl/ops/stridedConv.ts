/**
 * A `conv2d` that is neither a stride-1 sliding window over odd windows (the
 * `conv2d` op itself) nor non-overlapping patches (patchConv.ts): a stride
 * smaller than the window (overlapping windows), or larger, or an even window
 * with "same" padding. It is computed from plain ops, so that autodiff and
 * every back end see slices, concats, splits and einsums they already know:
 *
 * 1. each spatial dim is zero-padded (under a name of its own,
 *    `height_padded`, so that the layout's rule for `height` does not apply to
 *    the padded sizes) by `before` and `after` rows, plus zeros past the end
 *    that no window reads, so that step 2's slices all have `stride * out` rows;
 * 2. for each window offset (i, j) the rows `i, i + stride, ...` are taken:
 *    a slice of `stride * out` rows, split into `[dim: out, phase: stride]`,
 *    and the first phase kept;
 * 3. each such view is contracted with the kernel's (i, j) entry over `in`,
 *    and the kh * kw results are added.
 *
 * Sizes follow TensorFlow and PyTorch: "valid" gives
 * `floor((size - window) / stride) + 1` rows, "same" gives
 * `ceil(size / stride)` rows with `max((out - 1) * stride + window - size, 0)`
 * rows of zero padding in all, the odd one after (`before = floor(total / 2)`).
 * The eager op (conv.ts) and the compiler's front end (dslOps.ts) both run
 * this plan, with eager ops and with IR ops.
 */
import type { Dim } from "../tensor.ts";
import { findDim } from "./dimLists.ts";
import { convSpatial, stridedSize, type ConvStrides, type Conv2dSpec } from "./shapeRulesConv.ts";

/** The padding and result size of one spatial dim of a strided conv2d. */
export interface StridedAxis {
  readonly dim: string;
  readonly window: string;
  readonly size: number;
  readonly windowSize: number;
  readonly stride: number;
  /** Result rows. */
  readonly out: number;
  /** Zero rows before and after x's rows (the window reads them). */
  readonly before: number;
  readonly after: number;
}

/** Whether `conv2d` with these strides and windows needs this plan (not the conv2d op, not patches). */
export function needsStridedPlan(strides: ConvStrides, kernel: readonly Dim[], spec: Conv2dSpec, patched: boolean): boolean {
  if (patched) return false;
  if (strides.height !== 1 || strides.width !== 1) return true;
  return convSpatial(spec).some((pair) => kernel[findDim(kernel, pair.window)].size % 2 === 0);
}

/** The two spatial axes of a strided conv2d (conv2dDims has checked the names and sizes). */
export function stridedAxes(x: readonly Dim[], kernel: readonly Dim[], spec: Conv2dSpec, strides: ConvStrides): readonly StridedAxis[] {
  return convSpatial(spec).map((pair) => {
    const size = x[findDim(x, pair.dim)].size;
    const windowSize = kernel[findDim(kernel, pair.window)].size;
    const stride = strides[pair.role];
    return { dim: pair.dim, window: pair.window, size, windowSize, stride, ...stridedSize(size, windowSize, stride, pair.padding) };
  });
}

/** The ops the plan runs, over eager tensors or IR values. */
export interface ConvSteps<V> {
  dims(value: V): readonly Dim[];
  zeros(dims: readonly Dim[]): V;
  rename(value: V, from: string, to: string): V;
  slice(value: V, dim: string, start: number, stop: number): V;
  concat(values: readonly V[], dim: string): V;
  splitDim(value: V, dim: string, into: readonly Dim[]): V;
  /** Every dim of a and b that `out` lacks is summed. */
  einsum(a: V, b: V, out: readonly string[]): V;
  add(a: V, b: V): V;
}

/** A name for a dim derived from `base` that `taken` lacks. */
function fresh(base: string, taken: readonly Dim[]): string {
  let name = base;
  while (taken.some((dim) => dim.name === name)) name += "_";
  return name;
}

/** `value` zero-padded along `axis.dim` (renamed), with enough rows after for every window offset's slice. */
function pad<V>(steps: ConvSteps<V>, value: V, axis: StridedAxis, padded: string): V {
  const renamed = steps.rename(value, axis.dim, padded);
  const needed = axis.windowSize - 1 + axis.stride * axis.out;
  const after = Math.max(needed - axis.before - axis.size, axis.after);
  const zeros = (count: number): V => steps.zeros(steps.dims(renamed).map((dim) => (dim.name === padded ? { name: padded, size: count } : dim)));
  const parts = [...(axis.before > 0 ? [zeros(axis.before)] : []), renamed, ...(after > 0 ? [zeros(after)] : [])];
  return parts.length === 1 ? renamed : steps.concat(parts, padded);
}

/** Rows `offset, offset + stride, ...` (`axis.out` of them) of the padded dim, back under the dim's name. */
function rowsAt<V>(steps: ConvSteps<V>, value: V, axis: StridedAxis, padded: string, offset: number): V {
  const band = steps.slice(value, padded, offset, offset + axis.stride * axis.out);
  if (axis.stride === 1) return steps.rename(band, padded, axis.dim);
  const phase = fresh(`${axis.dim}_phase`, steps.dims(band));
  const split = steps.splitDim(band, padded, [{ name: axis.dim, size: axis.out }, { name: phase, size: axis.stride }]);
  return steps.slice(split, phase, 0, 1);
}

/** `conv2d(x, kernel, spec)` at `strides` by the plan of the module comment; the result has x's dims with `in` replaced by `out`. */
export function stridedConv<V>(steps: ConvSteps<V>, x: V, kernel: V, spec: Conv2dSpec, strides: ConvStrides): V {
  const [height, width] = stridedAxes(steps.dims(x), steps.dims(kernel), spec, strides);
  const paddedHeight = fresh(`${height.dim}_padded`, steps.dims(x));
  const paddedWidth = fresh(`${width.dim}_padded`, [...steps.dims(x), { name: paddedHeight, size: 0 }]);
  const padded = pad(steps, pad(steps, x, height, paddedHeight), width, paddedWidth);
  const out = steps.dims(x).map((dim) => (dim.name === spec.in ? spec.out : dim.name));
  let total: V | undefined;
  for (let i = 0; i < height.windowSize; i++) {
    const rows = rowsAt(steps, padded, height, paddedHeight, i);
    const kernelRow = steps.slice(kernel, spec.kernelHeight, i, i + 1);
    for (let j = 0; j < width.windowSize; j++) {
      const view = rowsAt(steps, rows, width, paddedWidth, j);
      const term = steps.einsum(view, steps.slice(kernelRow, spec.kernelWidth, j, j + 1), out);
      total = total === undefined ? term : steps.add(total, term);
    }
  }
  if (total === undefined) throw new Error("stridedConv: a window has no entries");
  return total;
}
