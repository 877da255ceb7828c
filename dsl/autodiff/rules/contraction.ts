/**
 * Rules of einsum, the reductions and the softmaxes. The cotangent of a sum
 * is broadcast back over the summed dims; of a max or min it goes to the
 * elements equal to the result (shared equally between ties).
 */
import type { Dim } from "../../tensor.ts";
import type { PrimitiveOf } from "../primitive.ts";
import { contractTo, reshapeTo, wanted, type VjpRule } from "./rule.ts";

/** `y = einsum(a, out)` or `einsum(a, b, out)`: each input's cotangent contracts g with the other input. */
export const einsumRule: VjpRule<PrimitiveOf<"einsum">> = ({ emit, inputs, cotangent, wants }) => {
  const [a, b] = inputs;
  if (b === undefined) return wanted(wants, [() => reshapeTo(emit, cotangent, emit.dims(a))]);
  return wanted(wants, [() => contractTo(emit, cotangent, b, emit.dims(a)), () => contractTo(emit, a, cotangent, emit.dims(b))]);
};

function countOf(dims: readonly Dim[], names: readonly string[]): number {
  return dims.filter((dim) => names.includes(dim.name)).reduce((product, dim) => product * dim.size, 1);
}

/** `y = fn(x, dims)` for sum, mean, max, min and logsumexp. */
export const reduceRule: VjpRule<PrimitiveOf<"reduce">> = ({ emit, primitive, inputs, output, cotangent, wants }) => {
  const [x] = inputs;
  const dims = emit.dims(x);
  return wanted(wants, [
    () => {
      switch (primitive.fn) {
        case "sum":
          return reshapeTo(emit, cotangent, dims);
        case "mean":
          return reshapeTo(emit, emit.scalar("mul", cotangent, 1 / countOf(dims, primitive.dims)), dims);
        case "max":
        case "min": {
          const mask = emit.binary("equal", x, output);
          const share = emit.binary("div", cotangent, emit.reduce("sum", mask, primitive.dims));
          return emit.binary("mul", mask, share);
        }
        case "logsumexp":
          return emit.binary("mul", emit.unary("exp", emit.binary("sub", x, output)), cotangent);
      }
    },
  ]);
};

/** `y = softmax(x, d)`: y (g - sum(g y, d)); `y = logSoftmax(x, d)`: g - exp(y) sum(g, d); one `softmaxGrad` op (rules/fused.ts). */
export const softmaxRule: VjpRule<PrimitiveOf<"softmax">> = ({ emit, primitive, output, cotangent, wants }) =>
  wanted(wants, [() => emit.softmaxGrad(output, cotangent, primitive.dim, primitive.log)]);
