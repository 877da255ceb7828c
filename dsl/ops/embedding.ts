/**
 * Index ops: `oneHot` (ids to one-hot vectors) and `gather` (rows of a table
 * looked up by ids). Ids are whole numbers stored in a Float32Array.
 */
import { MeshtypeError } from "../errors.ts";
import { Tensor } from "../tensor.ts";
import { recordOp } from "../autodiff/recorder.ts";
import { describeDims, readDimName, requireDim, resultLabel, whatOf } from "./dimLists.ts";
import { gatherDims, oneHotDims } from "./shapeRules.ts";
import { offsetsAlong, rowMajorStrides } from "./strided.ts";
import type { DimName, ValidateNewDim } from "./types/checks.ts";
import type { GatherDims, OneHotDims, ValidateGatherDim } from "./types/indexing.ts";

/**
 * One-hot vectors of length `size` along the new dim `dim`: 1 at each id, 0
 * elsewhere. An id outside [0, size) gives a row of zeros (as in JAX and
 * Mesh-TF, which a vocab split over devices relies on); an id that is not a
 * whole number is an error.
 *
 * @example
 * const hot = oneHot(tokens, "vocab", 50257); // tokens: "batch seq" -> "batch seq vocab"
 */
export function oneHot<X extends string, D extends string>(ids: Tensor<X>, dim: ValidateNewDim<"oneHot", D, X>, size: number): Tensor<OneHotDims<X, D>> {
  const dims = oneHotDims(ids.dims, dim, size, whatOf(ids));
  const out = new Float32Array(ids.data.length * size);
  ids.data.forEach((id, position) => {
    checkWhole("oneHot", ids, id, position);
    if (id >= 0 && id < size) out[position * size + id] = 1;
  });
  const result: Tensor<OneHotDims<X, D>> = new Tensor(dims, out, resultLabel("oneHot", [ids]));
  recordOp({ op: "oneHot", dim: dims[dims.length - 1] }, [ids], result);
  return result;
}

/**
 * Rows of `table` along `dim`, looked up by `ids`: the result has ids' dims,
 * then table's dims without `dim`. Every id must be a whole number in [0, size of dim).
 *
 * @example
 * const embedded = gather(wte, tokens, "vocab"); // wte: "vocab d_model", tokens: "batch seq" -> "batch seq d_model"
 */
export function gather<T extends string, X extends string, D extends string>(
  table: Tensor<T>,
  ids: Tensor<X>,
  dim: ValidateGatherDim<D, T, X>,
): Tensor<GatherDims<T, X, DimName<D>>> {
  const dims = gatherDims(table.dims, ids.dims, dim, [whatOf(table), whatOf(ids)]);
  const index = requireDim("gather", table.dims, readDimName("gather", dim));
  const size = table.dims[index].size;
  const stride = rowMajorStrides(table.dims)[index];
  const rest = offsetsAlong(
    table,
    table.dims.filter((_, position) => position !== index),
  );
  const out = new Float32Array(ids.data.length * rest.length);
  const source = table.data;
  ids.data.forEach((id, position) => {
    checkWhole("gather", ids, id, position);
    if (id < 0 || id >= size) {
      throw new MeshtypeError(
        "bad-option",
        `gather: id ${id} at position ${position} of ${describeDims(ids.dims, whatOf(ids))} is outside dim "${table.dims[index].name}" (size ${size}) of ${describeDims(table.dims, whatOf(table))}. Ids must be in [0, ${size}).`,
      );
    }
    const base = id * stride;
    const write = position * rest.length;
    for (let offset = 0; offset < rest.length; offset++) out[write + offset] = source[base + rest[offset]];
  });
  const result: Tensor<GatherDims<T, X, DimName<D>>> = new Tensor(dims, out, resultLabel("gather", [table, ids]));
  recordOp({ op: "gather", dim: table.dims[index].name }, [table, ids], result);
  return result;
}

function checkWhole(op: string, ids: Tensor<string>, id: number, position: number): void {
  if (!Number.isInteger(id)) {
    throw new MeshtypeError(
      "bad-option",
      `${op}: id ${id} at position ${position} of ${describeDims(ids.dims, whatOf(ids))} is not a whole number. Ids are integers stored as floats; round them first.`,
    );
  }
}
