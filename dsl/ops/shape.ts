/**
 * Ops that rename, reorder, split and merge dims. rename and splitDim keep the
 * row-major data as it is (the result shares x's data: ops never write their
 * inputs); transpose and mergeDims of non-adjacent dims copy.
 */
import { MeshtypeError } from "../errors.ts";
import { Tensor } from "../tensor.ts";
import type { DimNames } from "../types/dimsString.ts";
import { recordOp } from "../autodiff/recorder.ts";
import { findDim, readDimList, readDimName, resultLabel, whatOf } from "./dimLists.ts";
import { alignDims, mergedDims, renameDims, splitDims, transposeDims } from "./shapeRules.ts";
import { viewData } from "./strided.ts";
import type { ValidateDimOf, ValidateDimsOf, ValidateNewDim } from "./types/checks.ts";
import type {
  MergeDims, RenameDims, SplitDims, TransposeDims, ValidateAlign, ValidatePermutation, ValidateSplitNames, ValidateSplitSizes,
} from "./types/reshape.ts";

/**
 * Rename dim `from` of x to `to`, at the same position. `to` must be new to x.
 *
 * @example
 * const keys = rename(x, "seq", "key"); // "batch seq d" -> "batch key d"
 */
export function rename<X extends string, From extends string, To extends string>(
  x: Tensor<X>,
  from: ValidateDimOf<"rename", From, X>,
  to: ValidateNewDim<"rename", To, X, From>,
): Tensor<RenameDims<X, From, To>> {
  const result: Tensor<RenameDims<X, From, To>> = new Tensor(renameDims(x.dims, from, to, whatOf(x)), x.data, x.label);
  recordOp({ op: "rename", from: readDimName("rename", from), to: readDimName("rename", to) }, [x], result);
  return result;
}

/**
 * Reorder x's dims: `perm` lists every dim of x once, in the new order (x's
 * own order gives x itself).
 *
 * @example
 * const wt = transpose(w, "d_ff d_model");
 */
export function transpose<X extends string, Perm extends string>(x: Tensor<X>, perm: ValidatePermutation<Perm, X>): Tensor<TransposeDims<X, Perm>> {
  const dims = transposeDims(x.dims, perm, whatOf(x));
  // x's own order: x itself (its label kept; nothing recorded, as for the compiler, which adds no op).
  if (dims.every((dim, index) => dim === x.dims[index])) return x as Tensor<string> as Tensor<TransposeDims<X, Perm>>;
  const result: Tensor<TransposeDims<X, Perm>> = new Tensor(dims, viewData(x, dims), resultLabel("transpose", [x]));
  recordOp({ op: "transpose" }, [x], result);
  return result;
}

/**
 * y with the dims of `like`, in like's order (a transpose when the order
 * differs, y itself when not): how a layer whose body the types cannot follow
 * (it works on `Tensor<string>`) states that its result has its input's dims.
 * The types check y's dims when they know them; the op checks them always
 * (names and sizes), eagerly and in the compiler.
 *
 * @example
 * return alignAs(dot(context, params.wo), x); // context: Tensor<string> -> Tensor<X>
 */
export function alignAs<Y extends string, X extends string>(y: ValidateAlign<Y, X>, like: Tensor<X>): Tensor<X> {
  const value = y as Tensor<string>;
  const dims = alignDims(value.dims, like.dims, [whatOf(value), whatOf(like)]);
  if (dims.every((dim, index) => dim.name === value.dims[index].name)) return value as Tensor<X>;
  return transpose(value, dims.map((dim) => dim.name).join(" ")) as Tensor<X>;
}

/**
 * The dims string of x, typed as x's own (`X`): what a layer generic over its
 * dims passes where an op needs them written out, e.g. the dims of a result
 * that the types cannot compute (`` transpose(y, `${dimsOf(ids)} d_model`) ``,
 * which checks them). The compiler reads it from the tensor's dims.
 *
 * @example
 * const out = transpose(hidden, `${dimsOf(ids)} d_model`); // hidden: Tensor<string> -> Tensor<`${I} d_model`>
 */
export function dimsOf<X extends string>(x: Tensor<X>): X {
  return x.names.join(" ") as X;
}

/**
 * The number of elements of x (the product of its dim sizes; 1 for a scalar),
 * known to the compiler while it specialises a layer: e.g. the count of
 * positions a mean loss divides by, in a loss generic over its batch dims.
 *
 * @example
 * const average = mul(total, 1 / elementCount(labels));
 */
export function elementCount(x: Tensor<string>): number {
  return x.data.length;
}

/**
 * Split dim `dim` of x into the dims `names` (first name major), at its
 * position. `sizes` gives every new size but at most one, which is inferred.
 *
 * @example
 * const heads = splitDim(q, "d_model", "heads d_head", { heads: 4 }); // d_head = d_model / 4
 */
export function splitDim<X extends string, D extends string, Names extends string, Sizes extends Record<string, number>>(
  x: Tensor<X>,
  dim: ValidateDimOf<"splitDim", D, X>,
  names: ValidateSplitNames<Names, D, X>,
  sizes: ValidateSplitSizes<Sizes, Names>,
): Tensor<SplitDims<X, D, Names>>;
export function splitDim(x: Tensor<string>, dim: string, names: string, sizes: Readonly<Record<string, number>> | string): Tensor<string> {
  // A string here is a validator's message: only untyped callers get this far with one.
  if (typeof sizes === "string") throw new MeshtypeError("split-sizes", sizes);
  const dims = splitDims(x.dims, dim, names, sizes, whatOf(x));
  const result = new Tensor(dims, x.data, resultLabel("splitDim", [x]));
  const into = readDimList("splitDim", names).map((name) => dims[findDim(dims, name)]);
  recordOp({ op: "splitDim", dim: readDimName("splitDim", dim), into }, [x], result);
  return result;
}

/**
 * Merge the dims `names` of x into one dim `into`, at the position of the
 * first listed name; the listed order is major to minor (x is reordered first
 * if its dims are not already in that order, next to each other).
 *
 * @example
 * const flat = mergeDims(heads, "heads d_head", "d_model");
 */
export function mergeDims<X extends string, Names extends string, Into extends string>(
  x: Tensor<X>,
  names: ValidateDimsOf<"mergeDims", Names, X>,
  into: ValidateNewDim<"mergeDims", Into, X, DimNames<Names>>,
): Tensor<MergeDims<X, Names, Into>> {
  const dims = mergedDims(x.dims, names, into, whatOf(x));
  const merged = readDimList("mergeDims", names);
  const target = readDimName("mergeDims", into);
  // Lay x out with the merged dims side by side, in listed order, where the merged dim goes.
  const order = dims.flatMap((dim) => (dim.name === target ? merged.map((name) => x.dims[findDim(x.dims, name)]) : [dim]));
  const result: Tensor<MergeDims<X, Names, Into>> = new Tensor(dims, viewData(x, order), resultLabel("mergeDims", [x]));
  recordOp({ op: "mergeDims", dims: merged, into: target }, [x], result);
  return result;
}
