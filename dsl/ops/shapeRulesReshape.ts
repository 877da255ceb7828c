/**
 * Shape rules of the ops that change a tensor's dims without contracting them:
 * splitDim, mergeDims, slice, concat, oneHot, gather, relayout, and the region
 * of a created tensor. See shapeRules.ts for the conventions.
 */
import { MeshtypeError } from "../errors.ts";
import { parseLayout, type LayoutRule } from "../parseLayout.ts";
import type { Dim } from "../tensor.ts";
import { checkPositiveSize, describeDims, findDim, inputWhat, readDimList, readDimName, requireDim } from "./dimLists.ts";
import {
  writeRelayoutAxisReusedMessage,
  writeConcatDimsDifferMessage,
  writeSizeMismatchMessage,
  writeOpDimExistsMessage,
  writeGatherClashMessage,
  writeOpNoDimsMessage,
  writeSplitMissingSizesMessage,
  writeSplitSizeKeyMessage,
} from "./messages.ts";

/**
 * Result dims of `splitDim(x, dim, names, sizes)`: the new dims replace `dim`
 * at its position, first name major. `sizes` gives the size of every new dim
 * but at most one, which is inferred; the product must equal `dim`'s size.
 * A new name may reuse `dim`'s own name but no other dim of x.
 */
export function splitDims(
  x: readonly Dim[], dim: string, names: string | readonly string[], sizes: Readonly<Record<string, number>>, what = "tensor",
): Dim[] {
  const op = "splitDim";
  const index = requireDim(op, x, readDimName(op, dim), what);
  const parts = readDimList(op, names);
  const spec = parts.join(" ");
  if (parts.length === 0) throw new MeshtypeError("no-dims", writeOpNoDimsMessage(op, describeDims(x, what)));
  for (const part of parts) {
    if (part !== dim && findDim(x, part) >= 0) throw new MeshtypeError("dim-exists", writeOpDimExistsMessage(op, part, describeDims(x, what)));
  }
  for (const [key, size] of Object.entries(sizes)) {
    if (!parts.includes(key)) throw new MeshtypeError("split-sizes", writeSplitSizeKeyMessage(key, spec));
    checkPositiveSize(op, `new dim "${key}"`, size);
  }
  const missing = parts.filter((part) => sizes[part] === undefined);
  if (missing.length > 1) throw new MeshtypeError("split-sizes", writeSplitMissingSizesMessage(missing[0], missing[1], spec));
  const total = x[index].size;
  const known = parts.reduce((product, part) => product * (sizes[part] ?? 1), 1);
  const inferred = total / known;
  if (!Number.isInteger(inferred) || (missing.length === 0 && inferred !== 1)) {
    const given = parts.map((part) => `${part}=${sizes[part] ?? "?"}`).join(", ");
    throw new MeshtypeError(
      "split-sizes",
      `splitDim: dim "${dim}" of ${describeDims(x, what)} has size ${total}, which "${spec}" with sizes ${given} cannot split. ` +
        `Choose sizes whose product is ${total}${missing.length === 1 ? `, or that divide ${total}` : ""}.`,
    );
  }
  const created = parts.map((part) => ({ name: part, size: sizes[part] ?? inferred }));
  return [...x.slice(0, index), ...created, ...x.slice(index + 1)];
}

/**
 * Result dims of `mergeDims(x, names, into)`: one dim `into` whose size is the
 * product, at the position of the first listed name; the listed order is major
 * to minor. `into` may reuse a merged name but no other dim of x.
 */
export function mergedDims(x: readonly Dim[], names: string | readonly string[], into: string, what = "tensor"): Dim[] {
  const op = "mergeDims";
  const merged = readDimList(op, names);
  if (merged.length === 0) throw new MeshtypeError("no-dims", writeOpNoDimsMessage(op, describeDims(x, what)));
  const size = merged.reduce((product, name) => product * x[requireDim(op, x, name, what)].size, 1);
  const target = readDimName(op, into);
  if (!merged.includes(target) && findDim(x, target) >= 0) {
    throw new MeshtypeError("dim-exists", writeOpDimExistsMessage(op, target, describeDims(x, what)));
  }
  const result: Dim[] = [];
  for (const dim of x) {
    if (dim.name === merged[0]) result.push({ name: target, size });
    else if (!merged.includes(dim.name)) result.push(dim);
  }
  return result;
}

/** Result dims of `slice(x, dim, start, stop)`: `dim`'s size becomes stop - start; 0 <= start < stop <= size. */
export function sliceDims(x: readonly Dim[], dim: string, start: number, stop: number, what = "tensor"): Dim[] {
  const index = requireDim("slice", x, readDimName("slice", dim), what);
  const size = x[index].size;
  if (!Number.isInteger(start) || !Number.isInteger(stop) || start < 0 || stop > size || start >= stop) {
    throw new MeshtypeError(
      "slice-bounds",
      `slice: [${start}, ${stop}) is not a range of dim "${dim}" (size ${size}) of ${describeDims(x, what)}. ` +
        `Use integers with 0 <= start < stop <= ${size}.`,
    );
  }
  return x.map((entry, position) => (position === index ? { name: entry.name, size: stop - start } : entry));
}

/**
 * Result dims of `concat(inputs, dim)`: the dims of the first input, with
 * `dim`'s size the sum over the inputs. All inputs have the same dims in the
 * same order, with the same sizes except along `dim`.
 */
export function concatDims(inputs: readonly (readonly Dim[])[], dim: string, what?: readonly string[]): Dim[] {
  const op = "concat";
  if (inputs.length === 0) throw new MeshtypeError("concat-mismatch", `concat: no tensors given. Pass an array of at least one tensor.`);
  const first = inputs[0];
  const index = requireDim(op, first, readDimName(op, dim), inputWhat(what, 0, op));
  let total = 0;
  inputs.forEach((dims, input) => {
    const sameNames = dims.length === first.length && dims.every((entry, position) => entry.name === first[position].name);
    if (!sameNames) {
      const described = `${describeDims(first, inputWhat(what, 0, op))}, ${describeDims(dims, inputWhat(what, input, op))}`;
      throw new MeshtypeError("concat-mismatch", writeConcatDimsDifferMessage(dim, described));
    }
    dims.forEach((entry, position) => {
      if (position !== index && entry.size !== first[position].size) {
        const firstWhat = describeDims(first, inputWhat(what, 0, op));
        const message = writeSizeMismatchMessage(`concat along "${dim}"`, entry.name, firstWhat, first[position].size, describeDims(dims, inputWhat(what, input, op)), entry.size);
        throw new MeshtypeError("size-mismatch", message);
      }
    });
    total += dims[index].size;
  });
  return first.map((entry, position) => (position === index ? { name: entry.name, size: total } : entry));
}

/** Result dims of `oneHot(ids, dim, size)`: ids' dims, then `dim` of `size`, which ids must not have. */
export function oneHotDims(ids: readonly Dim[], dim: string, size: number, what = "tensor"): Dim[] {
  const name = readDimName("oneHot", dim);
  if (findDim(ids, name) >= 0) throw new MeshtypeError("dim-exists", writeOpDimExistsMessage("oneHot", name, describeDims(ids, what)));
  checkPositiveSize("oneHot", `new dim "${name}"`, size);
  return [...ids, { name, size }];
}

/**
 * Result dims of `gather(table, ids, dim)`: ids' dims, then table's dims
 * without `dim`. `dim` is a dim of table; no other table dim may be a dim of ids.
 * `what` names the table, then the ids.
 */
export function gatherDims(table: readonly Dim[], ids: readonly Dim[], dim: string, what?: readonly string[]): Dim[] {
  const op = "gather";
  const tableWhat = what?.[0] ?? "tensor";
  const idsWhat = what?.[1] ?? "tensor";
  const index = requireDim(op, table, readDimName(op, dim), tableWhat);
  const rest = table.filter((_, position) => position !== index);
  for (const entry of rest) {
    if (findDim(ids, entry.name) >= 0) {
      throw new MeshtypeError("gather-clash", writeGatherClashMessage(entry.name, describeDims(ids, idsWhat), describeDims(table, tableWhat)));
    }
  }
  return [...ids, ...rest];
}

/**
 * Check a per-tensor layout constraint `"dim:axis, ..."` (syntax by parseLayout)
 * against x: every dim is a dim of x, and no two of them share a mesh axis.
 * Returns the rules; the result dims of `relayout` are x's.
 */
export function relayoutRules(x: readonly Dim[], spec: string, what = "tensor"): LayoutRule[] {
  const rules = parseLayout(spec);
  const owner = new Map<string, string>();
  for (const rule of rules) {
    requireDim("relayout", x, rule.dim, what);
    const other = owner.get(rule.axis);
    if (other !== undefined) {
      throw new MeshtypeError("layout-axis-reused", writeRelayoutAxisReusedMessage("relayout", spec, describeDims(x, what), other, rule.dim, rule.axis));
    }
    owner.set(rule.axis, rule.dim);
  }
  return rules;
}

/** A region of a global tensor: for some of its dims, a `[start, stop)` range. */
export type Region = Readonly<Partial<Record<string, readonly [number, number]>>>;

/** The dims of `region` of a tensor with `dims` (dims not named keep their size), after checking names and bounds. */
export function regionDims(dims: readonly Dim[], region: Region, what = "tensor"): Dim[] {
  for (const [name, range] of Object.entries(region)) {
    if (range === undefined) continue;
    const [start, stop] = range;
    const index = requireDim("region", dims, name, what);
    const size = dims[index].size;
    if (!Number.isInteger(start) || !Number.isInteger(stop) || start < 0 || stop > size || start >= stop) {
      throw new MeshtypeError(
        "region-bounds",
        `region: [${start}, ${stop}) is not a range of dim "${name}" (size ${size}) of ${describeDims(dims, what)}. ` +
          `Use integers with 0 <= start < stop <= ${size}.`,
      );
    }
  }
  return dims.map((dim) => {
    const range = region[dim.name];
    return range ? { name: dim.name, size: range[1] - range[0] } : dim;
  });
}
