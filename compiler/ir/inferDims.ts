/**
 * Shape inference for the IR: the output dims of an op from its inputs' dims.
 * The rules themselves live in dsl/ops/shapeRules.ts (one pure function per
 * op, shared with the eager ops); this module only maps IR ops onto them.
 * The rules throw a `MeshtypeError` when the inputs do not fit the op.
 */
import type { Dim } from "../../dsl/tensor.ts";
import {
  broadcastDims,
  concatDims,
  cotangentDims,
  einsumDims,
  gatherDims,
  mergedDims,
  oneHotDims,
  reduceDims,
  renameDims,
  sliceDims,
  softmaxDims,
  splitDims,
  transposeDims,
  whereDims,
} from "../../dsl/ops/shapeRules.ts";
import { conv2dOpDims } from "../../dsl/ops/shapeRulesConv.ts";
import type { OpAttrs } from "./opAttrs.ts";

/** What an op needs besides its attributes to know its output dims. */
export interface InferExtras {
  /** The output dims of creation ops (param, full, constant, iota, random). */
  readonly dims?: readonly Dim[];
  /** The output dim names of `einsum` and `transpose`. */
  readonly out?: readonly string[];
}

function fail(message: string): never {
  throw new Error(`inferDims: ${message}`);
}

/**
 * The output dims of an op with attributes `attrs` applied to inputs with `inputs` dims.
 * `what` names the inputs in messages (e.g. `value %3 "h"`).
 */
export function inferDims(
  attrs: OpAttrs, inputs: readonly (readonly Dim[])[], extras: InferExtras = {}, what?: readonly string[],
): Dim[] {
  const [first = [], second = []] = inputs;
  const firstWhat = what?.[0];
  switch (attrs.op) {
    case "param":
    case "full":
    case "constant":
    case "iota":
    case "random":
      return [...(extras.dims ?? fail(`${attrs.op} needs its dims`))];
    case "dropout":
      if (inputs.length > 2 || second.length > 0) fail(`dropout takes x and an optional scalar step, got ${inputs.length} inputs${second.length > 0 ? " and a step with dims" : ""}`);
      return [...first];
    case "unary":
    case "relayout":
    case "allReduce":
    case "allGather":
    case "reduceScatter":
    case "allToAll":
    case "localSlice":
    case "haloExchange":
    case "maskPadding":
      return [...first];
    case "softmax":
      return softmaxDims(first, attrs.dim, firstWhat, attrs.log ? "logSoftmax" : "softmax");
    case "normalize":
      return softmaxDims(first, attrs.dim, firstWhat, "normalize");
    case "normalizeGrad":
      softmaxDims(first, attrs.dim, firstWhat, "normalizeGrad");
      return cotangentDims(first, second, what, "normalizeGrad");
    case "unaryGrad":
      return cotangentDims(first, second, what, "unaryGrad");
    case "binary":
      return inputs.length === 1 ? [...first] : broadcastDims(first, second, what, attrs.fn);
    case "where":
      return whereDims(first, second, inputs[2] ?? [], what);
    case "conv2d":
      return conv2dOpDims(first, second, attrs, what);
    case "einsum":
      return einsumDims(inputs, extras.out ?? fail("einsum needs its output names"), what);
    case "transpose":
      return transposeDims(first, extras.out ?? fail("transpose needs its output names"), firstWhat);
    case "reduce":
      return reduceDims(first, attrs.dims, firstWhat, attrs.fn);
    case "rename":
      return renameDims(first, attrs.from, attrs.to, firstWhat);
    case "splitDim": {
      const sizes = Object.fromEntries(attrs.into.map((dim) => [dim.name, dim.size]));
      return splitDims(first, attrs.dim, attrs.into.map((dim) => dim.name), sizes, firstWhat);
    }
    case "mergeDims":
      return mergedDims(first, attrs.dims, attrs.into, firstWhat);
    case "slice":
      return sliceDims(first, attrs.dim, attrs.start, attrs.stop, firstWhat);
    case "concat":
      return concatDims(inputs, attrs.dim, what);
    case "oneHot":
      return oneHotDims(first, attrs.dim.name, attrs.dim.size, firstWhat);
    case "gather":
      return gatherDims(first, second, attrs.dim, what);
  }
}
