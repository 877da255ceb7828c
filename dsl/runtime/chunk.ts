/**
 * Small kernels the runtime needs that are not DSL ops: cut a tensor into equal
 * chunks along a named dim, join tensors along a named dim, and reduce
 * same-shaped tensors element by element. All work on row-major data.
 */
import { MeshtypeError } from "../errors.ts";
import { Tensor, describeTensor, type Dim } from "../tensor.ts";
import type { PartialReduce } from "./sharding.ts";

/** Where a dim sits in row-major data: elements before it (outer), its size, elements after it (inner). */
function blockOf(dims: readonly Dim[], index: number): { outer: number; size: number; inner: number } {
  let outer = 1;
  let inner = 1;
  for (let position = 0; position < dims.length; position++) {
    if (position < index) outer *= dims[position].size;
    if (position > index) inner *= dims[position].size;
  }
  return { outer, size: dims[index].size, inner };
}

/**
 * Check that `x` has `dim` and that its size splits into `parts` equal chunks
 * (any size when `pad`: the chunks are then padded, see `takeChunk`); `what`
 * says who asks, e.g. `reduceScatter over mesh axis "model" (4 devices)`.
 * Returns the dim's index in `x.dims`.
 */
export function checkChunkable(x: Tensor<string>, dim: string, parts: number, what: string, pad = false): number {
  const index = x.indexOf(dim);
  if (index < 0) {
    throw new MeshtypeError(
      "unknown-dim",
      `${what}: ${describeTensor(x)} has no dim "${dim}". Its dims are: ${x.names.join(", ") || "(none: a scalar)"}.`,
    );
  }
  const size = x.dims[index].size;
  if (!pad && size % parts !== 0) {
    throw new MeshtypeError(
      "indivisible-chunk",
      `${what}: dim "${dim}" of ${describeTensor(x)} has size ${size}, which does not split into ${parts} equal chunks. ` +
        `Make "${dim}" a multiple of ${parts}, or lay it out on an axis whose size divides ${size}.`,
    );
  }
  return index;
}

/**
 * Chunk `index` of `parts` equal chunks of `x` along `dim`. The size must
 * divide (see `checkChunkable`) unless `pad`: then every chunk has
 * ceil(size / parts) entries along `dim`, and a chunk that runs past the end
 * is filled with zeros there (the padding of an uneven split). Keeps the dim
 * names and order and the label.
 */
export function takeChunk<S extends string>(x: Tensor<S>, dim: string, parts: number, index: number, pad = false): Tensor<S> {
  const position = checkChunkable(x, dim, parts, `chunk ${index} of ${parts}`, pad);
  const { outer, size, inner } = blockOf(x.dims, position);
  const chunk = Math.ceil(size / parts);
  const run = chunk * inner;
  const kept = Math.max(0, Math.min(chunk, size - index * chunk)) * inner;
  const data = new Float32Array(outer * run);
  for (let block = 0; block < outer; block++) {
    const from = block * size * inner + index * run;
    data.set(x.data.subarray(from, from + kept), block * run);
  }
  const dims = x.dims.map((entry, at) => (at === position ? { name: entry.name, size: chunk } : entry));
  return new Tensor<S>(dims, data, x.label);
}

/** All `parts` chunks of `x` along `dim`, in order (padded when `pad`, see `takeChunk`). */
export function chunkAlong<S extends string>(x: Tensor<S>, dim: string, parts: number, pad = false): Tensor<S>[] {
  return Array.from({ length: parts }, (_, index) => takeChunk(x, dim, parts, index, pad));
}

/**
 * Join `pieces` along `dim`, in order. Every piece must have the same dim names
 * in the same order, and the same sizes except along `dim`. With `size`, the
 * result keeps only the first `size` entries along `dim` (the padding of an
 * uneven split dropped). The result takes the first piece's label.
 */
export function concatAlong<S extends string>(pieces: readonly Tensor<S>[], dim: string, size?: number): Tensor<S> {
  if (pieces.length === 0) {
    throw new MeshtypeError("concat-empty", `Cannot join zero tensors along "${dim}". Pass at least one.`);
  }
  const first = pieces[0];
  const position = checkChunkable(first, dim, 1, `join along "${dim}"`);
  for (const piece of pieces) {
    const same = piece.dims.length === first.dims.length &&
      piece.dims.every((entry, at) => entry.name === first.dims[at].name && (at === position || entry.size === first.dims[at].size));
    if (!same) {
      throw new MeshtypeError(
        "concat-dims",
        `Cannot join ${describeTensor(piece)} to ${describeTensor(first)} along "${dim}": every other dim must match in name, order and size.`,
      );
    }
  }
  const { outer, inner } = blockOf(first.dims, position);
  const total = pieces.reduce((sum, piece) => sum + piece.dims[position].size, 0);
  const data = new Float32Array(outer * total * inner);
  let offset = 0;
  for (let block = 0; block < outer; block++) {
    for (const piece of pieces) {
      const run = piece.dims[position].size * inner;
      data.set(piece.data.subarray(block * run, block * run + run), offset);
      offset += run;
    }
  }
  const dims = first.dims.map((entry, at) => (at === position ? { name: entry.name, size: total } : entry));
  const joined = new Tensor<S>(dims, data, first.label);
  return size === undefined || size >= total ? joined : takeFirst(joined, position, size);
}

/** The first `size` entries of `x` along the dim at `position`. */
function takeFirst<S extends string>(x: Tensor<S>, position: number, size: number): Tensor<S> {
  const { outer, size: full, inner } = blockOf(x.dims, position);
  const run = size * inner;
  const data = new Float32Array(outer * run);
  for (let block = 0; block < outer; block++) data.set(x.data.subarray(block * full * inner, block * full * inner + run), block * run);
  const dims = x.dims.map((entry, at) => (at === position ? { name: entry.name, size } : entry));
  return new Tensor<S>(dims, data, x.label);
}

/**
 * Element-wise `reduce` (sum or max) of same-shaped tensors, combined in the
 * order given. The result takes the first tensor's dims and label.
 */
export function reduceTensors<S extends string>(tensors: readonly Tensor<S>[], reduce: PartialReduce): Tensor<S> {
  if (reduce !== "sum" && reduce !== "max") {
    throw new MeshtypeError("reduce-kind", `Cannot reduce with ${JSON.stringify(reduce)}: the runtime reduces with "sum" or "max".`);
  }
  const first = tensors[0];
  const data = Float32Array.from(first.data);
  for (let which = 1; which < tensors.length; which++) {
    const other = tensors[which].data;
    if (other.length !== data.length) {
      throw new MeshtypeError(
        "reduce-shape",
        `Cannot reduce ${describeTensor(tensors[which])} with ${describeTensor(first)}: they have different sizes.`,
      );
    }
    if (reduce === "sum") {
      for (let at = 0; at < data.length; at++) data[at] += other[at];
    } else {
      for (let at = 0; at < data.length; at++) data[at] = Math.max(data[at], other[at]);
    }
  }
  return new Tensor<S>(first.dims, data, first.label);
}
