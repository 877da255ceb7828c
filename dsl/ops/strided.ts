/**
 * Index arithmetic for the eager kernels: row-major strides, and tables of
 * element offsets that turn any "view" of a tensor (dims reordered, some
 * broadcast with stride 0) into one flat loop without per-element allocation.
 */
import type { Dim, Tensor } from "../tensor.ts";
import { findDim } from "./dimLists.ts";

/** Row-major strides of `dims`, in elements. */
export function rowMajorStrides(dims: readonly Dim[]): number[] {
  const strides = new Array<number>(dims.length);
  let stride = 1;
  for (let axis = dims.length - 1; axis >= 0; axis--) {
    strides[axis] = stride;
    stride *= dims[axis].size;
  }
  return strides;
}

/** Number of elements of a tensor with `dims`. */
export function elementCount(dims: readonly Dim[]): number {
  let count = 1;
  for (const dim of dims) count *= dim.size;
  return count;
}

/**
 * The stride of `tensor` along each of `loop`'s dims: its own stride for a dim
 * it has, 0 for one it lacks (broadcast).
 */
export function stridesAlong(tensor: Tensor<string>, loop: readonly Dim[]): number[] {
  const own = rowMajorStrides(tensor.dims);
  return loop.map((dim) => {
    const index = findDim(tensor.dims, dim.name);
    return index < 0 ? 0 : own[index];
  });
}

/**
 * For every position of the row-major loop over `sizes`, the offset
 * `sum(index[k] * strides[k])`, as an Int32Array of `prod(sizes)` entries.
 * Built dim by dim (no per-element index arrays).
 */
export function offsetTable(sizes: readonly number[], strides: readonly number[]): Int32Array {
  let table = new Int32Array(1);
  for (let axis = 0; axis < sizes.length; axis++) {
    const size = sizes[axis];
    const stride = strides[axis];
    const next = new Int32Array(table.length * size);
    let write = 0;
    for (let outer = 0; outer < table.length; outer++) {
      const base = table[outer];
      for (let index = 0; index < size; index++) next[write++] = base + index * stride;
    }
    table = next;
  }
  return table;
}

/** Offsets into `tensor` of each element of the row-major loop over `loop` (broadcasting dims it lacks). */
export function offsetsAlong(tensor: Tensor<string>, loop: readonly Dim[]): Int32Array {
  return offsetTable(
    loop.map((dim) => dim.size),
    stridesAlong(tensor, loop),
  );
}

/** `tensor`'s data laid out row-major over `loop` (a reorder and/or broadcast); the data itself when nothing moves. */
export function viewData(tensor: Tensor<string>, loop: readonly Dim[]): Float32Array {
  const same = loop.length === tensor.dims.length && loop.every((dim, axis) => dim.name === tensor.dims[axis].name);
  if (same) return tensor.data;
  const offsets = offsetsAlong(tensor, loop);
  const source = tensor.data;
  const out = new Float32Array(offsets.length);
  for (let index = 0; index < offsets.length; index++) out[index] = source[offsets[index]];
  return out;
}
