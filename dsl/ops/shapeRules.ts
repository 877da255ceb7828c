/**
 * The shape rules of every op: pure functions from input dims and attributes to
 * output dims, with the validation and its messages. They are the single source
 * of truth for result dims: the eager ops, the compiler (inferring the dims of
 * IR values) and the type-level rules (dsl/ops/types) all follow them, and
 * docs/API.md states them.
 *
 * Every function takes an optional `what` that names the tensor(s) in messages
 * (e.g. `tensor "x"`, or `value %3` in the compiler); the dims with sizes are
 * appended. Errors are `MeshtypeError`s with the stable codes of `opErrorCodes`.
 */
import { MeshtypeError } from "../errors.ts";
import type { Dim } from "../tensor.ts";
import { checkPositiveSize, describeDims, findDim, inputWhat, readDimList, readDimName, requireDim } from "./dimLists.ts";
import { writeAlignMismatchMessage, writeDotMissingDimMessage, writeOuterNeededMessage } from "./contractionMessages.ts";
import {
  writeOpDimExistsMessage,
  writeEinsumStrayDimMessage,
  writeOpNoDimsMessage,
  writeNotPermutationMessage,
  writeSizeMismatchMessage,
} from "./messages.ts";

export * from "./shapeRulesReshape.ts";
export { describeDims, requireDim } from "./dimLists.ts";

/** Every error code the shape rules throw, for the diagnostics catalog. */
export const opErrorCodes = [
  "unknown-dim", "dim-exists", "repeated-dim", "no-dims", "bad-dim-name", "bad-dim-size", "size-mismatch",
  "einsum-arity", "einsum-stray-dim", "not-a-permutation", "split-sizes", "slice-bounds", "concat-mismatch",
  "gather-clash", "layout-axis-reused", "region-bounds", "data-length", "bad-option", "outer-needed",
] as const;

/** A stable code of an op error. */
export type OpErrorCode = (typeof opErrorCodes)[number];

/**
 * Result dims of `einsum`: the `out` dims, with the sizes they have in the
 * inputs. Every out dim must be in an input; out names no dim twice;
 * dims that share a name across inputs share a size. The other dims are summed.
 */
export function einsumDims(inputs: readonly (readonly Dim[])[], out: string | readonly string[], what?: readonly string[]): Dim[] {
  if (inputs.length < 1 || inputs.length > 2) {
    throw new MeshtypeError("einsum-arity", `einsum takes 1 or 2 input tensors but got ${inputs.length}. Call einsum(a, "out") or einsum(a, b, "out").`);
  }
  const sizes = collectSizes("einsum", inputs, what);
  const names = readDimList("einsum", out);
  return names.map((name) => {
    const size = sizes.get(name);
    if (size === undefined) {
      const described = inputs.map((dims, index) => describeDims(dims, inputWhat(what, index, "einsum"))).join(", ");
      throw new MeshtypeError("einsum-stray-dim", writeEinsumStrayDimMessage(name, names.join(" "), described));
    }
    return { name, size };
  });
}

/** Names of the dims that einsum sums over: input dims not in `out`, in order of first appearance. */
export function einsumSummedDims(inputs: readonly (readonly Dim[])[], out: readonly string[]): Dim[] {
  const kept = new Set(out);
  const summed = new Map<string, Dim>();
  for (const dims of inputs) for (const dim of dims) if (!kept.has(dim.name) && !summed.has(dim.name)) summed.set(dim.name, dim);
  return [...summed.values()];
}

/**
 * Result dims of a binary element-wise op: the dims of `a`, then the dims of
 * `b` that `a` does not have. A dim in both must have one size.
 */
export function broadcastDims(a: readonly Dim[], b: readonly Dim[], what?: readonly string[], op = "broadcast"): Dim[] {
  collectSizes(op, [a, b], what);
  const result = [...a];
  for (const dim of b) if (findDim(a, dim.name) < 0) result.push(dim);
  return result;
}

/**
 * Result dims of a binary element-wise op (`add(a, b)`, ...): `broadcastDims`,
 * where one operand's dims must all be dims of the other. Operands that each
 * have a dim the other lacks would make an outer product, which is written
 * `add.outer(a, b)` (`broadcastDims` alone): a mistake such as adding
 * `batch seq d_model` to `batch seq d_ff` is an error, not a 4-D tensor.
 */
export function binaryDims(a: readonly Dim[], b: readonly Dim[], what?: readonly string[], op = "broadcast"): Dim[] {
  const result = broadcastDims(a, b, what, op);
  const onlyInA = a.find((dim) => findDim(b, dim.name) < 0);
  const onlyInB = b.find((dim) => findDim(a, dim.name) < 0);
  if (onlyInA && onlyInB) {
    const [first, second] = [describeDims(a, inputWhat(what, 0, op)), describeDims(b, inputWhat(what, 1, op))];
    throw new MeshtypeError("outer-needed", writeOuterNeededMessage(op, first, onlyInA.name, second, onlyInB.name));
  }
  return result;
}

/**
 * Result dims of `dot(a, b, names)`: the product of a and b summed over the
 * listed dims, which both must have; every other dim is kept (a dim of both is
 * matched, as in a batch matmul). The result has a's dims in a's order with the
 * summed ones taken out and b's other dims put where a's first summed dim was:
 * `dot([batch seq d_model], [d_model d_ff], "d_model")` is `[batch seq d_ff]`.
 */
export function dotDims(a: readonly Dim[], b: readonly Dim[], names: string | readonly string[], what?: readonly string[]): Dim[] {
  const summed = readDimList("dot", names);
  const [first, second] = [describeDims(a, inputWhat(what, 0, "dot")), describeDims(b, inputWhat(what, 1, "dot"))];
  if (summed.length === 0) throw new MeshtypeError("no-dims", writeOpNoDimsMessage("dot", `${first} and ${second}`));
  for (const name of summed) {
    if (findDim(a, name) < 0) throw new MeshtypeError("unknown-dim", writeDotMissingDimMessage(name, first));
    if (findDim(b, name) < 0) throw new MeshtypeError("unknown-dim", writeDotMissingDimMessage(name, second));
  }
  return contraction(a, b, summed, what);
}

/** Result dims of `dot(a, b)` with no dims listed: `dotDims` over every dim both have (none: the outer product). */
export function contractDims(a: readonly Dim[], b: readonly Dim[], what?: readonly string[]): Dim[] {
  return contraction(a, b, a.filter((dim) => findDim(b, dim.name) >= 0).map((dim) => dim.name), what);
}

function contraction(a: readonly Dim[], b: readonly Dim[], summed: readonly string[], what: readonly string[] | undefined): Dim[] {
  collectSizes("dot", [a, b], what);
  const added = b.filter((dim) => findDim(a, dim.name) < 0);
  const result: Dim[] = [];
  let inserted = false;
  for (const dim of a) {
    if (!summed.includes(dim.name)) result.push(dim);
    else if (!inserted) {
      result.push(...added);
      inserted = true;
    }
  }
  if (!inserted) result.push(...added);
  return result;
}

/**
 * Result dims of `alignAs(y, like)`: like's dims (names and sizes) in like's
 * order; y must have exactly those dims, in any order.
 */
export function alignDims(y: readonly Dim[], like: readonly Dim[], what?: readonly string[]): Dim[] {
  const same = y.length === like.length && like.every((dim) => y.some((own) => own.name === dim.name && own.size === dim.size));
  if (!same) {
    throw new MeshtypeError("not-a-permutation", writeAlignMismatchMessage(describeDims(y, inputWhat(what, 0, "alignAs")), describeDims(like, inputWhat(what, 1, "alignAs"))));
  }
  return [...like];
}

/** Result dims of `where(cond, a, b)`: `broadcast(broadcast(a, b), cond)`. `what` names cond, a, b. */
export function whereDims(cond: readonly Dim[], a: readonly Dim[], b: readonly Dim[], what?: readonly string[]): Dim[] {
  const names = [inputWhat(what, 0, "where"), inputWhat(what, 1, "where"), inputWhat(what, 2, "where")];
  const values = broadcastDims(a, b, [names[1], names[2]], "where");
  return broadcastDims(values, cond, ["the broadcast of a and b", names[0]], "where");
}

/**
 * Result dims of a reduction (`sum`, `max`, `min`, `mean`, `logsumexp`) of `x`
 * over `names`: x's dims without them, in x's order. Each name must be a dim
 * of x, listed once; at least one is listed.
 */
export function reduceDims(x: readonly Dim[], names: string | readonly string[], what = "tensor", op = "reduce"): Dim[] {
  const reduced = readDimList(op, names);
  if (reduced.length === 0) throw new MeshtypeError("no-dims", writeOpNoDimsMessage(op, describeDims(x, what)));
  for (const name of reduced) requireDim(op, x, name, what);
  return x.filter((dim) => !reduced.includes(dim.name));
}

/** Result dims of `softmax`/`logSoftmax` of `x` over `dim`: x's dims; `dim` must be one of them. */
export function softmaxDims(x: readonly Dim[], dim: string, what = "tensor", op = "softmax"): Dim[] {
  requireDim(op, x, readDimName(op, dim), what);
  return [...x];
}

/**
 * Result dims of a fused backward op of `x` and the cotangent `g` of its result
 * (`normalizeGrad`, `geluGrad`): x's dims. g has exactly x's dims (in any
 * order), each with the same size.
 */
export function cotangentDims(x: readonly Dim[], g: readonly Dim[], what: readonly string[] = ["x", "cotangent"], op = "gradient"): Dim[] {
  broadcastDims(x, g, what, op);
  for (const dim of g) requireDim(op, x, dim.name, what[0]);
  for (const dim of x) requireDim(op, g, dim.name, what[1]);
  return [...x];
}

/** Result dims of `rename(x, from, to)`: `from` replaced by `to` at the same position. */
export function renameDims(x: readonly Dim[], from: string, to: string, what = "tensor"): Dim[] {
  const index = requireDim("rename", x, readDimName("rename", from), what);
  const target = readDimName("rename", to);
  if (target !== from && findDim(x, target) >= 0) {
    throw new MeshtypeError("dim-exists", writeOpDimExistsMessage("rename", target, describeDims(x, what)));
  }
  return x.map((dim, position) => (position === index ? { name: target, size: dim.size } : dim));
}

/** Result dims of `transpose(x, perm)`: x's dims in the order of `perm`, which lists every dim of x once. */
export function transposeDims(x: readonly Dim[], perm: string | readonly string[], what = "tensor"): Dim[] {
  const names = readDimList("transpose", perm);
  const result = names.map((name) => x[requireDim("transpose", x, name, what)]);
  for (const dim of x) {
    if (!names.includes(dim.name)) {
      throw new MeshtypeError("not-a-permutation", writeNotPermutationMessage(names.join(" "), dim.name, describeDims(x, what)));
    }
  }
  return result;
}

/** Size of every dim name over several inputs; throws when one name has two sizes. */
function collectSizes(op: string, inputs: readonly (readonly Dim[])[], what: readonly string[] | undefined): Map<string, number> {
  const sizes = new Map<string, { size: number; input: number }>();
  inputs.forEach((dims, input) => {
    for (const dim of dims) {
      checkPositiveSize(op, `dim "${dim.name}" of ${inputWhat(what, input, op)}`, dim.size);
      const seen = sizes.get(dim.name);
      if (seen === undefined) {
        sizes.set(dim.name, { size: dim.size, input });
      } else if (seen.size !== dim.size) {
        const first = describeDims(inputs[seen.input], inputWhat(what, seen.input, op));
        const second = describeDims(dims, inputWhat(what, input, op));
        throw new MeshtypeError("size-mismatch", writeSizeMismatchMessage(op, dim.name, first, seen.size, second, dim.size));
      }
    }
  });
  return new Map([...sizes].map(([name, entry]) => [name, entry.size]));
}
