/**
 * `conv2d` and its `haloExchange` as Python expressions over local torch
 * tensors. conv2d calls `torch.nn.functional.conv2d` (a correlation, like
 * dsl/ops/conv.ts) on x permuted to NCHW (every dim that plays no role folded
 * into N) and the kernel permuted to OIHW, with the zero padding of the IR
 * attributes ("same": (window - 1) / 2 on each side, "valid": none, and
 * "valid" along a dim whose block carries halos), then puts the result back
 * in the output's dim order. haloExchange is what the TypeScript back end
 * does (compiler/backend/ts/emitOp.ts): the block's last `halo` rows go to the
 * next device and its first `halo` rows to the previous one, by two non-cyclic
 * `mesh.collective_permute`s (an end device receives zeros), and the three
 * pieces are concatenated [from previous, block, from next] along the dim.
 */
import type { Dim } from "../../../dsl/tensor.ts";
import type { OpOf } from "../../ir/opAttrs.ts";
import { localConv2dOptions } from "../../ir/opAttrs.ts";
import type { Value } from "../../ir/ir.ts";
import { pythonString, pythonTuple } from "./python.ts";

/** An input of an op: the identifier that holds it, and its value (for its local dims). */
export interface ConvOperand {
  readonly name: string;
  readonly value: Value;
}

function localDims(value: Value): readonly Dim[] {
  return value.localDims ?? value.dims;
}

/** The position of dim `name` among `dims`; a missing dim is a compiler bug. */
function position(dims: readonly Dim[], name: string, what: string): number {
  const index = dims.findIndex((dim) => dim.name === name);
  if (index < 0) throw new Error(`emitTorchConv: ${what} has no dim "${name}" (dims ${dims.map((dim) => dim.name).join(" ")})`);
  return index;
}

/** `expression.permute(order)`, or `expression` when the order is the identity. */
function permuted(expression: string, order: readonly number[]): string {
  return order.some((at, index) => at !== index) ? `${expression}.permute${pythonTuple(order)}` : expression;
}

function sizeOf(dims: readonly Dim[], name: string, what: string): number {
  return dims[position(dims, name, what)].size;
}

/**
 * `torch.nn.functional.conv2d(...)` for one device's block: x's local dims
 * (batch... in height width) -> NCHW, the kernel (kh kw in out) -> OIHW, and
 * the NCHW result -> the output's local dims.
 *
 * @example
 * // x "batch height width c_in", kernel "kh kw c_in c_out", 3x3 "same":
 * // torch.nn.functional.conv2d(x.permute(0, 3, 1, 2), k.permute(3, 2, 0, 1), padding=(1, 1)).permute(0, 2, 3, 1)
 */
export function emitConv2d(op: OpOf<"conv2d">, x: ConvOperand, kernel: ConvOperand, output: Value): string {
  const spec = localConv2dOptions(op);
  const xDims = localDims(x.value);
  const kDims = localDims(kernel.value);
  const outDims = localDims(output);
  const roles = new Set([spec.height, spec.width, spec.in]);
  const others = xDims.filter((dim) => !roles.has(dim.name));
  const xOrder = [...others.map((dim) => dim.name), spec.in, spec.height, spec.width].map((name) => position(xDims, name, x.name));
  const kOrder = [spec.out, spec.in, spec.kernelHeight, spec.kernelWidth].map((name) => position(kDims, name, kernel.name));
  // N: the dims that play no role, folded into one (a leading 1 when there are none).
  const batchSize = others.reduce((product, dim) => product * dim.size, 1);
  const nchw = [batchSize, sizeOf(xDims, spec.in, x.name), sizeOf(xDims, spec.height, x.name), sizeOf(xDims, spec.width, x.name)];
  const input = others.length === 1 ? permuted(x.name, xOrder) : `${permuted(x.name, xOrder)}.reshape${pythonTuple(nchw)}`;
  const pad = (padding: "same" | "valid", window: string): number => (padding === "same" ? (sizeOf(kDims, window, kernel.name) - 1) / 2 : 0);
  const padding = pythonTuple([pad(spec.padding.height, spec.kernelHeight), pad(spec.padding.width, spec.kernelWidth)]);
  const call = `torch.nn.functional.conv2d(${input}, ${permuted(kernel.name, kOrder)}, padding=${padding})`;
  // The result is [others..., out, height, width]: unfold N, then permute into the output's order.
  const resultNames = [...others.map((dim) => dim.name), spec.out, spec.height, spec.width];
  const resultSizes = resultNames.map((name) => sizeOf(outDims, name, "the output"));
  const unfolded = others.length === 1 ? call : `${call}.reshape${pythonTuple(resultSizes)}`;
  return permuted(unfolded, outDims.map((dim) => resultNames.indexOf(dim.name)));
}

/**
 * The halo exchange of one device's block along `op.dim`: its last `halo`
 * rows sent forward (shift 1) and its first `halo` rows sent back (shift -1),
 * concatenated as [from previous, block, from next].
 *
 * @example
 * // block of 2 rows along dim 1, halo 1, axis "space":
 * // torch.cat([mesh.collective_permute(x.narrow(1, 1, 1), "space", 1), x, mesh.collective_permute(x.narrow(1, 0, 1), "space", -1)], dim=1)
 */
export function emitHaloExchange(op: OpOf<"haloExchange">, x: ConvOperand): string {
  const dims = localDims(x.value);
  const axis = position(dims, op.dim, x.name);
  const size = dims[axis].size;
  const fromPrevious = `mesh.collective_permute(${x.name}.narrow(${axis}, ${size - op.halo}, ${op.halo}), ${pythonString(op.axis)}, 1)`;
  const fromNext = `mesh.collective_permute(${x.name}.narrow(${axis}, 0, ${op.halo}), ${pythonString(op.axis)}, -1)`;
  return `torch.cat([${fromPrevious}, ${x.name}, ${fromNext}], dim=${axis})`;
}
