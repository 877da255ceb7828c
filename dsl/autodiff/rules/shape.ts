/**
 * Rules of the ops that move data without arithmetic: each cotangent is the
 * op run backwards (rename back, transpose back, merge what was split, split
 * what was merged, pad a slice with zeros, slice a concat), plus the index
 * ops (`gather`'s table gets a scatter-add, written as oneHot + einsum; ids get
 * nothing) and `relayout` (the cotangent keeps the primal's layout constraint,
 * then takes the state of the relayout's input).
 */
import type { Dim } from "../../tensor.ts";
import type { PrimitiveOf } from "../primitive.ts";
import { contractTo, reshapeTo, wanted, type VjpRule } from "./rule.ts";

/** `y = rename(x, from, to)`. */
export const renameRule: VjpRule<PrimitiveOf<"rename">> = ({ emit, primitive, cotangent, wants }) =>
  wanted(wants, [() => emit.rename(cotangent, primitive.to, primitive.from)]);

/** `y = transpose(x, perm)`. */
export const transposeRule: VjpRule<PrimitiveOf<"transpose">> = ({ emit, inputs, cotangent, wants }) =>
  wanted(wants, [() => emit.transpose(cotangent, emit.dims(inputs[0]).map((dim) => dim.name))]);

/** `y = splitDim(x, d, names)`: merge the names back into d (it lands where d was). */
export const splitDimRule: VjpRule<PrimitiveOf<"splitDim">> = ({ emit, primitive, cotangent, wants }) =>
  wanted(wants, [() => emit.mergeDims(cotangent, primitive.into.map((dim) => dim.name), primitive.dim)]);

/** `y = mergeDims(x, names, into)`: split `into` back, then restore x's order. */
export const mergeDimsRule: VjpRule<PrimitiveOf<"mergeDims">> = ({ emit, primitive, inputs, cotangent, wants }) => {
  const dims = emit.dims(inputs[0]);
  const into = primitive.dims.map((name) => dims.find((dim) => dim.name === name) ?? { name, size: 0 });
  return wanted(wants, [() => reshapeTo(emit, emit.splitDim(cotangent, primitive.into, into), dims)]);
};

/** `y = slice(x, d, start, stop)`: g padded with zeros back to x's size along d (a concat). */
export const sliceRule: VjpRule<PrimitiveOf<"slice">> = ({ emit, primitive, inputs, cotangent, wants }) =>
  wanted(wants, [
    () => {
      const { dim, start, stop } = primitive;
      const size = emit.dims(inputs[0]).find((entry) => entry.name === dim)?.size ?? stop;
      const zeros = (length: number) => emit.full(emit.dims(cotangent).map((entry): Dim => (entry.name === dim ? { name: dim, size: length } : entry)), 0);
      const parts = [...(start > 0 ? [zeros(start)] : []), cotangent, ...(stop < size ? [zeros(size - stop)] : [])];
      return parts.length === 1 ? cotangent : emit.concat(parts, dim);
    },
  ]);

/** `y = concat(inputs, d)`: each input gets its range of g along d. */
export const concatRule: VjpRule<PrimitiveOf<"concat">> = ({ emit, primitive, inputs, cotangent, wants }) => {
  let offset = 0;
  return inputs.map((input, index) => {
    const size = emit.dims(input).find((dim) => dim.name === primitive.dim)?.size ?? 0;
    const start = offset;
    offset += size;
    return wants[index] ? emit.slice(cotangent, primitive.dim, start, start + size) : undefined;
  });
};

/** `y = oneHot(ids, d, n)`: ids are integers; no gradient. */
export const oneHotRule: VjpRule<PrimitiveOf<"oneHot">> = () => [undefined];

/** `y = gather(table, ids, d)`: the table gets `einsum(oneHot(ids, d), g)` (a scatter-add); ids get nothing. */
export const gatherRule: VjpRule<PrimitiveOf<"gather">> = ({ emit, primitive, inputs, cotangent, wants }) => {
  const [table, ids] = inputs;
  const dims = emit.dims(table);
  const dim = dims.find((entry) => entry.name === primitive.dim) ?? { name: primitive.dim, size: 0 };
  return [wants[0] ? contractTo(emit, emit.oneHot(ids, dim), cotangent, dims) : undefined, undefined];
};

/**
 * `y = relayout(x, rules)`: the identity. As in GSPMD, the cotangent of y is
 * held to y's rules, and the cotangent of x is then moved to x's own state
 * (the one x had before the relayout): so between two relayouts (experts
 * split, say) the backward sees its cotangents laid out as the forward's
 * values, and each relayout's backward moves data the way back.
 */
export const relayoutRule: VjpRule<PrimitiveOf<"relayout">> = ({ emit, primitive, inputs, cotangent, wants }) =>
  wanted(wants, [() => emit.relayoutLike(emit.relayout(cotangent, primitive.rules), inputs[0])]);
