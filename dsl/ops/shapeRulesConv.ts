/**
 * The shape rule of `conv2d` (any stride and window, "same" or "valid"): which dims play which
 * role, the checks, and the result dims. Shared by the eager op (conv.ts),
 * the compiler (IR shape inference) and mirrored at the type level
 * (types/conv.ts). Errors are `MeshtypeError`s with the codes of `opErrorCodes`.
 */
import { MeshtypeError } from "../errors.ts";
import type { Dim } from "../tensor.ts";
import { describeDims, findDim, inputWhat, readDimName } from "./dimLists.ts";
import {
  writeConvChannelsMessage, writeConvEvenKernelMessage, writeConvKernelExtraDimMessage, writeConvOutExistsMessage,
  writeConvPaddingMessage, writeConvSameDimMessage, writeConvTooSmallMessage, writeConvUnknownDimMessage,
  writeConvBadStrideMessage, writeConvUnknownOptionMessage,
} from "./convMessages.ts";

/** "same": zeros around x, so the result is as large as x; "valid": no padding, the result shrinks by window - 1. */
export type ConvPadding = "same" | "valid";

/** The padding of each spatial dim. */
export interface ConvPaddings {
  readonly height: ConvPadding;
  readonly width: ConvPadding;
}

/**
 * What `conv2d` takes besides its two tensors: the role of each dim, by name.
 * `height`, `width` and `in` are dims of x; `kernelHeight`, `kernelWidth`,
 * `in` and `out` are the kernel's four dims; `out` replaces `in` in the result.
 * `padding` defaults to "same" on both spatial dims; `stride` (a positive
 * integer, or one per spatial dim) to 1. Any window size and stride go:
 * overlapping windows (stride < window), non-overlapping patches (stride =
 * window, a ViT's patch embedding), even windows ("same" puts the odd row of
 * padding after, as TensorFlow and PyTorch do).
 */
export interface Conv2dOptions {
  readonly height: string;
  readonly width: string;
  readonly kernelHeight: string;
  readonly kernelWidth: string;
  readonly in: string;
  readonly out: string;
  readonly padding?: ConvPadding | ConvPaddings;
  readonly stride?: number | ConvStrides;
}

/** The stride of each spatial dim. */
export interface ConvStrides {
  readonly height: number;
  readonly width: number;
}

/** The names `Conv2dOptions` has: any other is an error (types/conv.ts, and `readConv2dOptions` for untyped callers). */
export const CONV2D_OPTION_NAMES: readonly string[] = ["height", "width", "kernelHeight", "kernelWidth", "in", "out", "padding", "stride"];

/** `Conv2dOptions` with the padding spelled out per spatial dim: what the IR keeps. */
export interface Conv2dSpec {
  readonly height: string;
  readonly width: string;
  readonly kernelHeight: string;
  readonly kernelWidth: string;
  readonly in: string;
  readonly out: string;
  readonly padding: ConvPaddings;
}

function readPadding(padding: unknown): ConvPadding {
  if (padding === "same" || padding === "valid") return padding;
  throw new MeshtypeError("bad-option", writeConvPaddingMessage(JSON.stringify(padding)));
}

/** Throws for an option name conv2d does not have (`strides`, a typo): the types reject it too. */
export function checkConv2dOptionNames(names: Iterable<string>): void {
  for (const name of names) if (!CONV2D_OPTION_NAMES.includes(name)) throw new MeshtypeError("bad-option", writeConvUnknownOptionMessage(name));
}

/** Check the names of `options` and spell out the padding (the stride is `readConv2dStrides`'s). */
export function readConv2dOptions(options: Conv2dOptions): Conv2dSpec {
  const padding = options.padding ?? "same";
  const paddings = typeof padding === "string" || typeof padding !== "object" || padding === null
    ? { height: readPadding(padding), width: readPadding(padding) }
    : { height: readPadding(padding.height), width: readPadding(padding.width) };
  const name = (role: keyof Conv2dOptions): string => readDimName("conv2d", String(options[role]));
  return {
    height: name("height"), width: name("width"), kernelHeight: name("kernelHeight"), kernelWidth: name("kernelWidth"),
    in: name("in"), out: name("out"), padding: paddings,
  };
}

function readStride(stride: unknown): number {
  if (typeof stride === "number" && Number.isInteger(stride) && stride >= 1) return stride;
  throw new MeshtypeError("bad-option", writeConvBadStrideMessage(JSON.stringify(stride)));
}

/** The stride of each spatial dim (1 when not given). */
export function readConv2dStrides(options: Conv2dOptions): ConvStrides {
  const stride = options.stride ?? 1;
  if (typeof stride === "object" && stride !== null) return { height: readStride(stride.height), width: readStride(stride.width) };
  return { height: readStride(stride), width: readStride(stride) };
}

/** The result rows and padding of a spatial dim of `size` rows, `window` wide, at `stride` (see the module comment). */
export function stridedSize(size: number, window: number, stride: number, padding: ConvPadding): { out: number; before: number; after: number } {
  if (padding === "valid") return { out: Math.floor((size - window) / stride) + 1, before: 0, after: 0 };
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + window - size, 0);
  const before = Math.floor(total / 2);
  return { out, before, after: total - before };
}

/** The spatial pairs of a spec: each x dim with its window dim and padding. */
export function convSpatial(spec: Conv2dSpec): readonly { readonly dim: string; readonly window: string; readonly padding: ConvPadding; readonly role: "height" | "width" }[] {
  return [
    { dim: spec.height, window: spec.kernelHeight, padding: spec.padding.height, role: "height" },
    { dim: spec.width, window: spec.kernelWidth, padding: spec.padding.width, role: "width" },
  ];
}

function sizeOf(dims: readonly Dim[], role: string, name: string, desc: string): number {
  const index = findDim(dims, name);
  if (index < 0) throw new MeshtypeError("unknown-dim", writeConvUnknownDimMessage(role, name, desc));
  return dims[index].size;
}

function distinct(pairs: readonly (readonly [string, string])[]): void {
  for (let first = 0; first < pairs.length; first++) {
    for (let second = first + 1; second < pairs.length; second++) {
      if (pairs[first][1] === pairs[second][1]) {
        throw new MeshtypeError("repeated-dim", writeConvSameDimMessage(pairs[first][0], pairs[second][0], pairs[first][1]));
      }
    }
  }
}

/**
 * Result dims of `conv2d(x, kernel, options)`: x's dims in x's order with `in`
 * replaced by `out` (the kernel's size). A "same" spatial dim keeps its size; a
 * "valid" one shrinks by window - 1; the two `in` sizes agree. With a stride s,
 * "valid" gives floor((size - window) / s) + 1 rows and "same" ceil(size / s)
 * (`stridedSize`). `what` names x and the kernel in messages.
 */
export function conv2dDims(x: readonly Dim[], kernel: readonly Dim[], options: Conv2dOptions | Conv2dSpec, what?: readonly string[]): Dim[] {
  const spec = readConv2dOptions(options);
  const strides = readConv2dStrides(options);
  const xDesc = describeDims(x, inputWhat(what, 0, "conv2d"));
  const kernelDesc = describeDims(kernel, inputWhat(what, 1, "conv2d"));
  distinct([["height", spec.height], ["width", spec.width], ["in", spec.in]]);
  distinct([["kernelHeight", spec.kernelHeight], ["kernelWidth", spec.kernelWidth], ["in", spec.in], ["out", spec.out]]);
  for (const role of ["height", "width", "in"] as const) sizeOf(x, role, spec[role], xDesc);
  for (const role of ["in", "kernelHeight", "kernelWidth", "out"] as const) sizeOf(kernel, role, spec[role], kernelDesc);
  if (findDim(x, spec.out) >= 0) throw new MeshtypeError("dim-exists", writeConvOutExistsMessage(spec.out, xDesc));
  const roles = [spec.kernelHeight, spec.kernelWidth, spec.in, spec.out];
  const extra = kernel.find((dim) => !roles.includes(dim.name));
  if (extra) throw new MeshtypeError("unknown-dim", writeConvKernelExtraDimMessage(extra.name, kernelDesc));
  const xIn = sizeOf(x, "in", spec.in, xDesc);
  const kernelIn = sizeOf(kernel, "in", spec.in, kernelDesc);
  if (xIn !== kernelIn) throw new MeshtypeError("size-mismatch", writeConvChannelsMessage(spec.in, xDesc, xIn, kernelDesc, kernelIn));
  const sizes = new Map<string, number>();
  const patched = isPatched(strides, kernel, spec);
  for (const pair of convSpatial(spec)) {
    const window = sizeOf(kernel, pair.role === "height" ? "kernelHeight" : "kernelWidth", pair.window, kernelDesc);
    const size = sizeOf(x, pair.role, pair.dim, xDesc);
    if ((pair.padding === "valid" || patched) && size < window) throw new MeshtypeError("bad-dim-size", writeConvTooSmallMessage(pair.role, pair.dim, size, window));
    // Patches keep floor(size / window) of them (the rows past the last whole patch are dropped, as "valid" does).
    sizes.set(pair.dim, patched ? Math.floor(size / window) : stridedSize(size, window, strides[pair.role], pair.padding).out);
  }
  const outSize = sizeOf(kernel, "out", spec.out, kernelDesc);
  return x.map((dim) => {
    if (dim.name === spec.in) return { name: spec.out, size: outSize };
    const size = sizes.get(dim.name);
    return size === undefined ? dim : { name: dim.name, size };
  });
}

/**
 * The result dims of the IR's `conv2d` op: the sliding window at stride 1,
 * over odd windows (`conv2dDims` of a spec); the strided plan and patches are
 * other ops by then.
 */
export function conv2dOpDims(x: readonly Dim[], kernel: readonly Dim[], spec: Conv2dSpec, what?: readonly string[]): Dim[] {
  const dims = conv2dDims(x, kernel, spec, what);
  for (const pair of convSpatial(spec)) {
    const window = kernel[findDim(kernel, pair.window)].size;
    const role = pair.role === "height" ? "kernelHeight" : "kernelWidth";
    if (window % 2 === 0) throw new MeshtypeError("bad-option", writeConvEvenKernelMessage(role, pair.window, window));
  }
  return dims;
}

/**
 * True when `options` cut x into non-overlapping patches: a stride other than
 * 1 on some spatial dim (each stride then equals its window, with padding
 * "valid", or the window is 1). Such a conv is a reshape and an einsum
 * (`patchDims`), not a sliding window.
 */
export function isPatched(strides: ConvStrides, kernel: readonly Dim[], spec: Conv2dSpec): boolean {
  if (strides.height === 1 && strides.width === 1) return false;
  return convSpatial(spec).every((pair) => {
    const window = kernel[findDim(kernel, pair.window)]?.size;
    return strides[pair.role] === window && (pair.padding === "valid" || window === 1);
  });
}
