/**
 * The rule of `conv2d` (stride 1, odd windows, "same" or "valid" per spatial
 * dim), written with DSL ops only so that the compiler lowers the backward
 * convolutions like the forward one (halo exchanges where height or width
 * stay split).
 *
 * With p the padding of a spatial dim ((k - 1) / 2 for "same", 0 for "valid"),
 * `y[h, w, o] = sum over i, j, c of x[h + i - p, w + j - q, c] * K[i, j, c, o]`, so
 *
 * - x's cotangent is `dx[a, b, c] = sum over i, j, o of g[a - i + p, b - j + q, o] * K[i, j, c, o]`:
 *   a "same" conv2d of g with the kernel flipped along both windows and the
 *   roles of `in` and `out` swapped (no rename: conv2d matches dims by name).
 *   Along a "valid" dim g is first padded with (k - 1) / 2 zeros on each side,
 *   which makes the total padding k - 1 (a "full" convolution).
 * - the kernel's cotangent is `dK[i, j, c, o] = sum over h, w, the rest of xp[h + i, w + j, c] * g[h, w, o]`
 *   with xp = x padded with p zeros on each side: kh * kw einsums of shifted
 *   slices of xp with g, stacked along the window dims by concat.
 *
 * Padded values carry the spatial dim under a name of its own (`height_padded`)
 * until they are sliced back to g's size: the layout does not name it, so the
 * odd sizes of pads need not divide a mesh axis that splits `height`.
 */
import type { Dim } from "../../tensor.ts";
import type { Emitter } from "../emitter.ts";
import type { PrimitiveOf } from "../primitive.ts";
import { wanted, type VjpRule } from "./rule.ts";

type Conv2dPrimitive = PrimitiveOf<"conv2d">;

function sizeOf(dims: readonly Dim[], name: string): number {
  const found = dims.find((dim) => dim.name === name);
  if (!found) throw new Error(`autodiff: conv2d has no dim "${name}" in [${dims.map((dim) => dim.name).join(" ")}]`);
  return found.size;
}

/**
 * `value` with `count` zeros before and after along `dim`, that dim renamed to
 * a name of its own (`height_padded`): the layout does not name it, so in the
 * compiler its sizes need not divide a mesh axis (a pad of 1 row, 10 rows
 * over 4 devices). Slice it and `rename` back before it meets g.
 */
function padAlong<V>(emit: Emitter<V>, value: V, dim: string, count: number): { readonly value: V; readonly dim: string } {
  const names = new Set(emit.dims(value).map((entry) => entry.name));
  let padded = `${dim}_padded`;
  while (names.has(padded)) padded += "_";
  const renamed = emit.rename(value, dim, padded);
  if (count === 0) return { value: renamed, dim: padded };
  const zeros = emit.full(emit.dims(renamed).map((entry): Dim => (entry.name === padded ? { name: padded, size: count } : entry)), 0);
  return { value: emit.concat([zeros, renamed, zeros], padded), dim: padded };
}

/** `value[start : start + size]` along its dim `from`, renamed `to`. */
function window<V>(emit: Emitter<V>, value: V, from: string, to: string, start: number, size: number): V {
  return emit.rename(emit.slice(value, from, start, start + size), from, to);
}

/** `value` in reverse order along `dim` (one slice per index, concatenated last to first). */
function reverse<V>(emit: Emitter<V>, value: V, dim: string): V {
  const size = sizeOf(emit.dims(value), dim);
  if (size === 1) return value;
  const parts = Array.from({ length: size }, (_, index) => emit.slice(value, dim, size - 1 - index, size - index));
  return emit.concat(parts, dim);
}

/** The cotangent of x: a "same" conv2d of g (zero-padded along "valid" dims) with the flipped kernel, `in` and `out` swapped. */
function inputCotangent<V>(emit: Emitter<V>, primitive: Conv2dPrimitive, kernel: V, cotangent: V): V {
  const kernelDims = emit.dims(kernel);
  let padded = cotangent;
  for (const [dim, windowDim, padding] of [[primitive.height, primitive.kernelHeight, primitive.padding.height], [primitive.width, primitive.kernelWidth, primitive.padding.width]] as const) {
    if (padding === "same") continue;
    const count = (sizeOf(kernelDims, windowDim) - 1) / 2;
    const grown = padAlong(emit, padded, dim, count);
    padded = emit.rename(grown.value, grown.dim, dim);
  }
  const flipped = reverse(emit, reverse(emit, kernel, primitive.kernelHeight), primitive.kernelWidth);
  return emit.conv2d(padded, flipped, {
    height: primitive.height,
    width: primitive.width,
    kernelHeight: primitive.kernelHeight,
    kernelWidth: primitive.kernelWidth,
    in: primitive.out,
    out: primitive.in,
    padding: { height: "same", width: "same" },
  });
}

/** The cotangent of the kernel: for each window offset (i, j), `einsum(xp[h + i, w + j], g)`, stacked along the window dims. */
function kernelCotangent<V>(emit: Emitter<V>, primitive: Conv2dPrimitive, x: V, kernel: V, cotangent: V): V {
  const kernelDims = emit.dims(kernel);
  const [windowHeight, windowWidth] = [sizeOf(kernelDims, primitive.kernelHeight), sizeOf(kernelDims, primitive.kernelWidth)];
  const [outHeight, outWidth] = [sizeOf(emit.dims(cotangent), primitive.height), sizeOf(emit.dims(cotangent), primitive.width)];
  const padHeight = primitive.padding.height === "same" ? (windowHeight - 1) / 2 : 0;
  const padWidth = primitive.padding.width === "same" ? (windowWidth - 1) / 2 : 0;
  const tall = padAlong(emit, x, primitive.height, padHeight);
  const wide = padAlong(emit, tall.value, primitive.width, padWidth);
  // g with size-1 window dims, so that each einsum below is one (i, j) entry of dK with the kernel's dims.
  const unit: Dim[] = [{ name: primitive.kernelHeight, size: 1 }, { name: primitive.kernelWidth, size: 1 }];
  const withWindow = emit.einsum([cotangent, emit.full(unit, 1)], [...emit.dims(cotangent).map((dim) => dim.name), ...unit.map((dim) => dim.name)]);
  const names = kernelDims.map((dim) => dim.name);
  const rows = Array.from({ length: windowHeight }, (_, i) => {
    const band = window(emit, wide.value, tall.dim, primitive.height, i, outHeight);
    const entries = Array.from({ length: windowWidth }, (_, j) => emit.einsum([window(emit, band, wide.dim, primitive.width, j, outWidth), withWindow], names));
    return entries.length === 1 ? entries[0] : emit.concat(entries, primitive.kernelWidth);
  });
  return rows.length === 1 ? rows[0] : emit.concat(rows, primitive.kernelHeight);
}

/** `y = conv2d(x, kernel, spec)`: see the module comment. */
export const conv2dRule: VjpRule<Conv2dPrimitive> = ({ emit, primitive, inputs, cotangent, wants }) => {
  const [x, kernel] = inputs;
  return wanted(wants, [() => inputCotangent(emit, primitive, kernel, cotangent), () => kernelCotangent(emit, primitive, x, kernel, cotangent)]);
};
