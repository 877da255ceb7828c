/**
 * `conv2d`: a 2-D convolution over named dims, zero "same" padding or
 * "valid", any window and stride. Stride 1 over odd windows is the sliding
 * window of CNN layers (its own op, which the compiler splits spatially with
 * halo exchanges); strides equal to the windows are non-overlapping patches
 * (patchConv.ts); any other stride or an even window is the strided plan
 * (stridedConv.ts). Like einsum, it matches dims by name: `in` is summed with
 * the window, `out` replaces `in`.
 */
import { recordOp } from "../autodiff/recorder.ts";
import { Tensor } from "../tensor.ts";
import { findDim, resultLabel, whatOf } from "./dimLists.ts";
import { checkConv2dOptionNames, conv2dDims, isPatched, readConv2dOptions, readConv2dStrides, type Conv2dOptions } from "./shapeRulesConv.ts";
import { add } from "./binary.ts";
import { needsStridedPlan, stridedConv, type ConvSteps } from "./stridedConv.ts";
import { einsum } from "./einsum.ts";
import { patchPlan } from "./patchConv.ts";
import { rename, splitDim } from "./shape.ts";
import { concat, slice } from "./sliceConcat.ts";
import { offsetTable, rowMajorStrides } from "./strided.ts";
import type { Conv2dDims, ValidateConv2d } from "./types/conv.ts";

export type { ConvPadding, ConvPaddings, Conv2dOptions, Conv2dSpec } from "./shapeRulesConv.ts";
export { conv2dDims, readConv2dOptions, convSpatial } from "./shapeRulesConv.ts";
export type { Conv2dDims, ValidateConv2d, Conv2dError } from "./types/conv.ts";

type T = Tensor<string>;

/** The eager ops the strided plan calls, with dims as plain strings (each still checks them at run time). */
const loose = { rename, slice, concat, splitDim, einsum, add } as unknown as {
  rename(x: T, from: string, to: string): T;
  slice(x: T, dim: string, start: number, stop: number): T;
  concat(values: readonly T[], dim: string): T;
  splitDim(x: T, dim: string, names: string, sizes: Readonly<Record<string, number>>): T;
  einsum(a: T, b: T, out: string): T;
  add(a: T, b: T): T;
};

/** The strided plan's steps as eager ops (recorded for autodiff like any other). */
const eagerSteps: ConvSteps<T> = {
  dims: (value) => value.dims,
  zeros: (dims) => new Tensor(dims, new Float32Array(dims.reduce((product, dim) => product * dim.size, 1))),
  rename: loose.rename,
  slice: loose.slice,
  concat: loose.concat,
  splitDim: (value, dim, into) => loose.splitDim(value, dim, into.map((item) => item.name).join(" "), Object.fromEntries(into.map((item) => [item.name, item.size]))),
  einsum: (a, b, out) => loose.einsum(a, b, out.join(" ")),
  add: loose.add,
};

/**
 * Convolve x with a kernel: for every element of the result,
 * `y[.., h, w, out] = sum over i, j, in of x[.., h + i - p, w + j - q, in] * kernel[i, j, in, out]`
 * where p = (kernelHeight - 1) / 2 and q = (kernelWidth - 1) / 2 with "same"
 * padding (elements outside x read as 0), and p = q = 0 with "valid". The
 * result has x's dims in x's order with `in` replaced by `out`; every other dim
 * of x (batch, ...) is carried through. tsc rejects names that do not play
 * their role (a `height` that is not a dim of x, an `out` that x already has, a
 * kernel dim with no role) and options conv2d does not have.
 *
 * With `stride` s (a positive integer, or `{ height, width }`) the result
 * keeps every s-th window: "valid" has `floor((size - window) / s) + 1` rows,
 * "same" `ceil(size / s)`, zero-padded by `max((out - 1) * s + window - size, 0)`
 * rows in all, the odd one after (as TensorFlow and PyTorch). Windows may be
 * even. A stride equal to the window with "valid" cuts patches, as a ViT's
 * patch embedding; a ResNet stem is a 7x7 window at stride 2.
 *
 * @example
 * // x: "batch height width c_in", kernel: "kh kw c_in c_out"
 * const y = conv2d(x, kernel, { height: "height", width: "width", kernelHeight: "kh", kernelWidth: "kw", in: "c_in", out: "c_out" });
 * // y: Tensor<"batch height width c_out">
 * // patches: x "batch height width channels" (32 x 32), kernel "patch_h patch_w channels d_model" (4 x 4)
 * const p = conv2d(x, kernel, { height: "height", width: "width", kernelHeight: "patch_h", kernelWidth: "patch_w", in: "channels", out: "d_model", padding: "valid", stride: 4 });
 * // p: Tensor<"batch height width d_model">, height and width 8 patches each
 * // overlapping: a 3x3 window at stride 2, "same" on 32 x 32 rows gives 16 x 16
 * const z = conv2d(x, kernel3, { height: "height", width: "width", kernelHeight: "kh", kernelWidth: "kw", in: "channels", out: "c_out", stride: 2 });
 */
export function conv2d<X extends string, K extends string, const O extends Conv2dOptions>(
  x: Tensor<X>,
  kernel: Tensor<K>,
  options: ValidateConv2d<O, X, K>,
): Tensor<Conv2dDims<X, O>> {
  const given = options as Conv2dOptions;
  checkConv2dOptionNames(Object.keys(given));
  const outDims = conv2dDims(x.dims, kernel.dims, given, [whatOf(x), whatOf(kernel)]);
  const spec = readConv2dOptions(given);
  const strides = readConv2dStrides(given);
  const patched = isPatched(strides, kernel.dims, spec);
  if (needsStridedPlan(strides, kernel.dims, spec, patched)) {
    return stridedConv(eagerSteps, x as T, kernel as T, spec, strides) as Tensor<Conv2dDims<X, O>>;
  }
  if (patched) {
    const plan = patchPlan(x.dims, kernel.dims, spec);
    let patches: Tensor<string> = x;
    for (const cut of plan.slices) patches = slice(patches, cut.dim, 0, cut.stop);
    for (const split of plan.splits) {
      patches = splitDim(patches, split.dim, split.into.map((dim) => dim.name).join(" "), Object.fromEntries(split.into.map((dim) => [dim.name, dim.size])));
    }
    return einsum(patches, kernel as Tensor<string>, plan.out.join(" ")) as Tensor<Conv2dDims<X, O>>;
  }
  const xStrides = rowMajorStrides(x.dims);
  const kStrides = rowMajorStrides(kernel.dims);
  const outStrides = rowMajorStrides(outDims);
  const xStride = (name: string): number => xStrides[findDim(x.dims, name)];
  const kStride = (name: string): number => kStrides[findDim(kernel.dims, name)];
  const outStride = (name: string): number => outStrides[findDim(outDims, name)];
  const size = (name: string, dims = kernel.dims): number => dims[findDim(dims, name)].size;
  const roles = new Set([spec.height, spec.width, spec.in]);
  const others = x.dims.filter((dim) => !roles.has(dim.name));
  const xOuter = offsetTable(others.map((dim) => dim.size), others.map((dim) => xStride(dim.name)));
  const outOuter = offsetTable(others.map((dim) => dim.size), others.map((dim) => outStride(dim.name)));

  const [kh, kw, cin, cout] = [size(spec.kernelHeight), size(spec.kernelWidth), size(spec.in), size(spec.out)];
  const [inH, inW] = [size(spec.height, x.dims), size(spec.width, x.dims)];
  const [outH, outW] = [size(spec.height, outDims), size(spec.width, outDims)];
  const padH = spec.padding.height === "same" ? (kh - 1) / 2 : 0;
  const padW = spec.padding.width === "same" ? (kw - 1) / 2 : 0;
  const [xsH, xsW, xsC] = [xStride(spec.height), xStride(spec.width), xStride(spec.in)];
  const [ksH, ksW, ksC, ksO] = [kStride(spec.kernelHeight), kStride(spec.kernelWidth), kStride(spec.in), kStride(spec.out)];
  const [osH, osW, osO] = [outStride(spec.height), outStride(spec.width), outStride(spec.out)];
  const xData = x.data;
  const kData = kernel.data;
  const out = new Float32Array(outDims.reduce((product, dim) => product * dim.size, 1));

  for (let outer = 0; outer < xOuter.length; outer++) {
    const xBase = xOuter[outer];
    const outBase = outOuter[outer];
    for (let row = 0; row < outH; row++) {
      for (let column = 0; column < outW; column++) {
        for (let channel = 0; channel < cout; channel++) {
          let total = 0;
          for (let i = 0; i < kh; i++) {
            const inRow = row + i - padH;
            if (inRow < 0 || inRow >= inH) continue;
            for (let j = 0; j < kw; j++) {
              const inColumn = column + j - padW;
              if (inColumn < 0 || inColumn >= inW) continue;
              const xAt = xBase + inRow * xsH + inColumn * xsW;
              const kAt = i * ksH + j * ksW + channel * ksO;
              for (let c = 0; c < cin; c++) total += xData[xAt + c * xsC] * kData[kAt + c * ksC];
            }
          }
          out[outBase + row * osH + column * osW + channel * osO] = total;
        }
      }
    }
  }
  const result = new Tensor(outDims, out, resultLabel("conv2d", [x, kernel]));
  recordOp({ op: "conv2d", ...spec }, [x, kernel], result);
  return result as Tensor<Conv2dDims<X, O>>;
}
