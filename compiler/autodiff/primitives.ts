/**
 * The autodiff primitive of each IR op (dsl/autodiff/primitive.ts): the
 * same kind and attributes, read off the global IR.
 */
import type { Primitive } from "../../dsl/autodiff/primitive.ts";
import type { Op } from "../ir/ir.ts";

/** The primitive of an IR op, or undefined for an op autodiff has no rule for. */
export function toPrimitive(op: Op): Primitive | undefined {
  switch (op.op) {
    case "param":
    case "full":
    case "constant":
    case "iota":
    case "random":
    case "where":
    case "einsum":
    case "transpose":
      return { op: op.op };
    case "unary":
      return { op: "unary", fn: op.fn };
    case "binary":
      return op.scalar ? { op: "binary", fn: op.fn, scalar: op.scalar } : { op: "binary", fn: op.fn };
    case "reduce":
      return { op: "reduce", fn: op.fn, dims: op.dims };
    case "softmax":
      return { op: "softmax", dim: op.dim, log: op.log };
    case "normalize":
      return { op: "normalize", dim: op.dim, epsilon: op.epsilon };
    case "normalizeGrad":
      return { op: "normalizeGrad", dim: op.dim, epsilon: op.epsilon };
    case "unaryGrad":
      return { op: "unaryGrad", fn: op.fn };
    case "conv2d": {
      // `halo` exists only after lowering; autodiff reads the global IR.
      const { height, width, kernelHeight, kernelWidth, in: inDim, out, padding } = op;
      return { op: "conv2d", height, width, kernelHeight, kernelWidth, in: inDim, out, padding };
    }
    case "rename":
      return { op: "rename", from: op.from, to: op.to };
    case "splitDim":
      return { op: "splitDim", dim: op.dim, into: op.into };
    case "mergeDims":
      return { op: "mergeDims", dims: op.dims, into: op.into };
    case "slice":
      return { op: "slice", dim: op.dim, start: op.start, stop: op.stop };
    case "concat":
      return { op: "concat", dim: op.dim };
    case "oneHot":
      return { op: "oneHot", dim: op.dim };
    case "gather":
      return { op: "gather", dim: op.dim };
    case "relayout":
      return { op: "relayout", rules: op.rules };
    case "dropout":
      return { op: "dropout", rate: op.rate, seed: op.seed, name: op.name };
    default:
      return undefined;
  }
}
