/**
 * The work of one local op, from its kind, attributes and local dims, as the
 * torch back end runs it (compiler/backend/torch/emitTorchOp.ts): an einsum
 * is a (batched) matmul, a conv2d an implicit GEMM; element-wise ops,
 * reductions, softmax, the fused norm and GELU-backward ops, one-hot, gather, concat and full/iota/random read
 * and write memory; renames, relayouts, permutes, reshapes, narrows and local
 * slices are views and cost nothing. Pure: usable without a program (the
 * planner prices candidate shardings with it).
 */
import type { Dim } from "../../dsl/tensor.ts";
import type { OpAttrs } from "../ir/opAttrs.ts";

/** A (batched) matrix multiply: `batch` independent [m x k] . [k x n] products. */
export interface MatmulWork {
  readonly kind: "matmul";
  readonly batch: number;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly flops: number;
  /** Bytes read and written (each operand and the result once). */
  readonly bytes: number;
}

/** A kernel bound by memory traffic. */
export interface MemoryWork {
  readonly kind: "memory";
  readonly flops: number;
  readonly bytes: number;
}

/** What one op (or one fused kernel) does on one device; `view` is free. */
export type Work = MatmulWork | MemoryWork | { readonly kind: "view" };

/** Elements of `dims`. */
export function elementsOf(dims: readonly Dim[]): number {
  let product = 1;
  for (const dim of dims) product *= dim.size;
  return product;
}

function sizeOf(dims: readonly Dim[], names: readonly string[]): number {
  let product = 1;
  for (const dim of dims) if (names.includes(dim.name)) product *= dim.size;
  return product;
}

/**
 * The matmul of a two-operand einsum: dims in both inputs and the output are
 * batch, in one input and the output m (first) or n (second), in both inputs
 * only contracted (k); a dim in one input only is summed first (its size
 * multiplies that side's k work but not the output).
 */
export function einsumMatmul(left: readonly Dim[], right: readonly Dim[], output: readonly Dim[], elementBytes: number): MatmulWork {
  const names = (dims: readonly Dim[]): string[] => dims.map((dim) => dim.name);
  const [l, r, o] = [names(left), names(right), names(output)];
  const batch = sizeOf(output, o.filter((name) => l.includes(name) && r.includes(name)));
  const m = sizeOf(output, o.filter((name) => l.includes(name) && !r.includes(name)));
  const n = sizeOf(output, o.filter((name) => r.includes(name) && !l.includes(name)));
  const k = sizeOf(left, l.filter((name) => r.includes(name) && !o.includes(name)));
  const summedLeft = sizeOf(left, l.filter((name) => !r.includes(name) && !o.includes(name)));
  const summedRight = sizeOf(right, r.filter((name) => !l.includes(name) && !o.includes(name)));
  const flops = 2 * batch * m * n * k + (summedLeft > 1 ? elementsOf(left) : 0) + (summedRight > 1 ? elementsOf(right) : 0);
  const bytes = elementBytes * (elementsOf(left) + elementsOf(right) + elementsOf(output));
  return { kind: "matmul", batch, m, n, k, flops, bytes };
}

/** Work of an einsum of any arity, contracted left to right as `torch.einsum` does without a path optimizer. */
function einsumWork(inputs: readonly (readonly Dim[])[], output: readonly Dim[], elementBytes: number): Work {
  if (inputs.length === 1) return memory(elementsOf(inputs[0]), elementBytes * (elementsOf(inputs[0]) + elementsOf(output)));
  if (inputs.length === 2) return einsumMatmul(inputs[0], inputs[1], output, elementBytes);
  const outNames = new Set(output.map((dim) => dim.name));
  let acc = inputs[0];
  let total: MatmulWork = { kind: "matmul", batch: 1, m: 1, n: 1, k: 1, flops: 0, bytes: 0 };
  inputs.slice(1).forEach((next, index) => {
    const later = new Set(inputs.slice(index + 2).flatMap((dims) => dims.map((dim) => dim.name)));
    const keep = [...acc, ...next].filter((dim, at, all) => all.findIndex((other) => other.name === dim.name) === at && (outNames.has(dim.name) || later.has(dim.name)));
    const step = einsumMatmul(acc, next, keep, elementBytes);
    total = step.flops >= total.flops ? { ...step, flops: total.flops + step.flops, bytes: total.bytes + step.bytes } : { ...total, flops: total.flops + step.flops, bytes: total.bytes + step.bytes };
    acc = keep;
  });
  return total;
}

function memory(flops: number, bytes: number): MemoryWork {
  return { kind: "memory", flops, bytes };
}

/** Bytes of reading every input once and writing the output once. */
function readWrite(inputs: readonly (readonly Dim[])[], output: readonly Dim[], elementBytes: number): number {
  return elementBytes * (inputs.reduce((sum, dims) => sum + elementsOf(dims), 0) + elementsOf(output));
}

/**
 * The bytes of a dropout's keep mask (one byte per element, as torch stores
 * it): written by the forward op, read by its backward (`phase: "backward"`);
 * 0 for any other op. A fused kernel adds these to the values it reads and writes.
 */
export function dropoutMaskBytes(op: OpAttrs, output: readonly Dim[]): number {
  return op.op === "dropout" ? elementsOf(output) : 0;
}

/**
 * The work of `op` on one device, from the local dims of its inputs and output
 * and the element size of the program's dtype. Collectives are not compute:
 * price them with `collectiveSeconds`.
 *
 * @example
 * opWork({ op: "einsum" }, [[{ name: "t", size: 4096 }, { name: "h", size: 1024 }], [{ name: "h", size: 1024 }, { name: "f", size: 4096 }]], [{ name: "t", size: 4096 }, { name: "f", size: 4096 }], 2);
 * // { kind: "matmul", batch: 1, m: 4096, n: 4096, k: 1024, flops: 34359738368, bytes: 50331648 }
 */
export function opWork(op: OpAttrs, inputs: readonly (readonly Dim[])[], output: readonly Dim[], elementBytes: number): Work {
  const out = elementsOf(output);
  switch (op.op) {
    case "param":
    case "rename":
    case "relayout":
    case "transpose":
    case "splitDim":
    case "slice":
    case "localSlice":
      return { kind: "view" };
    case "mergeDims": {
      // A reshape is a view when the merged dims are adjacent and in order; otherwise permute + copy.
      const names = inputs[0].map((dim) => dim.name);
      const at = names.indexOf(op.dims[0]);
      const adjacent = op.dims.every((name, index) => names[at + index] === name);
      return adjacent ? { kind: "view" } : memory(0, 2 * elementBytes * out);
    }
    case "full":
    case "constant":
    case "iota":
    case "random":
      return memory(op.op === "random" ? out : 0, elementBytes * out);
    case "unary":
    case "binary":
    case "where":
    case "maskPadding": // the padding of an uneven split set to a value a reduction ignores: element-wise
      return memory(out, readWrite(inputs, output, elementBytes));
    case "dropout":
      // As torch's dropout kernel runs it: x in, y out and a 1-byte keep mask out; its
      // backward reads the cotangent and that mask (the scalar step is negligible).
      return memory(out, elementBytes * (elementsOf(inputs[0]) + out) + dropoutMaskBytes(op, output));
    case "reduce":
      return memory(elementsOf(inputs[0]), readWrite(inputs, output, elementBytes));
    case "softmax":
      // max, subtract, exp, sum, divide: one read and one write in torch's kernel.
      return memory(5 * out, readWrite(inputs, output, elementBytes));
    case "normalize":
      // the layer norm kernel (torch.native_layer_norm): sum, subtract, square, sum, scale; one read, one write
      return memory(5 * out, readWrite(inputs, output, elementBytes));
    case "normalizeGrad":
      // native_layer_norm_backward, statistics recomputed: the forward's 5 per element, then g's two row sums and
      // 5 more to combine them; x and g read once, dx written once
      return memory(12 * out, readWrite(inputs, output, elementBytes));
    case "unaryGrad":
      // gelu_backward: the tanh form's derivative (cube, tanh, sech^2, chain) and the product with g, ~16 per element
      return memory(16 * out, readWrite(inputs, output, elementBytes));
    case "concat":
      return memory(0, readWrite(inputs, output, elementBytes));
    case "oneHot":
      return memory(out, elementBytes * (elementsOf(inputs[0]) + out));
    case "gather":
      // Reads the selected rows (the output's size) and the indices, writes the output.
      return memory(0, elementBytes * (2 * out + elementsOf(inputs[1] ?? [])));
    case "einsum":
      return einsumWork(inputs, output, elementBytes);
    case "conv2d": {
      // Implicit GEMM: M = output positions x batch-like dims, N = out channels, K = in channels x window.
      const kernel = inputs[1];
      const outChannels = sizeOf(output, [op.out]);
      const window = sizeOf(kernel, [op.kernelHeight, op.kernelWidth]);
      const inChannels = sizeOf(kernel, [op.in]);
      const k = inChannels * window;
      const m = out / outChannels;
      return { kind: "matmul", batch: 1, m, n: outChannels, k, flops: 2 * m * outChannels * k, bytes: readWrite(inputs, output, elementBytes) };
    }
    case "allReduce":
    case "allGather":
    case "reduceScatter":
    case "allToAll":
    case "haloExchange":
      throw new Error(`opWork: ${op.op} is a collective; price it with collectiveSeconds`);
  }
}
