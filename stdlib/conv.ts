/**
 * A convolution layer: `conv2d` with a kernel, then a bias over the output
 * channels. Written in the DSL only, so the compiler sees one conv2d and one add
 * (and splits it in space with halo exchanges when the layout asks).
 */
import { add, alignAs, conv2d, randomNormal, transpose, zeros, type Conv2dDims, type Conv2dOptions, type Dims, type Tensor, type ValidateConv2d } from "meshtype";
import type { DimsWith } from "./dimsWith.ts";

/** The parameters of a conv layer: a kernel with dims `Kernel` (window, in and out channels) and a bias over `Out`. */
export interface ConvParams<Kernel extends string, Out extends string> {
  readonly kernel: Tensor<Kernel>;
  readonly b: Tensor<Out>;
}

/**
 * `conv2d(x, kernel, options) + b`: stride 1, odd windows, zero "same" padding
 * unless `options.padding` says "valid". `options` names the role of each dim
 * exactly as for `conv2d`, and is checked the same way; the result has x's
 * dims with `in` replaced by `out`.
 *
 * @example
 * // x: "batch height width c_in", params.kernel: "kh kw c_in c_hidden", params.b: "c_hidden"
 * const h = convLayer(x, params, { height: "height", width: "width", kernelHeight: "kh", kernelWidth: "kw", in: "c_in", out: "c_hidden" });
 */
export function convLayer<X extends string, K extends string, const O extends Conv2dOptions>(
  x: Tensor<X>,
  params: ConvParams<K, O["out"]>,
  options: ValidateConv2d<O, X, K>,
): Tensor<Conv2dDims<X, O>> {
  const convolved = conv2d(x, params.kernel, options);
  // The bias's dim `out` is in the computed dims, which the types cannot see: add it on the plain tensor and restate them.
  const wide: Tensor<string> = convolved;
  return alignAs(add(wide, params.b), convolved);
}

/** The dims of a kernel, by role (what `initConvParams` takes). */
export interface ConvKernelDims<KH extends string, KW extends string, In extends string, Out extends string> {
  readonly kernelHeight: KH;
  readonly kernelWidth: KW;
  readonly in: In;
  readonly out: Out;
}

/**
 * Fresh conv parameters: the kernel normal with std `1/sqrt(kh * kw * in)` (so
 * the output keeps unit scale), the bias zeros, named `${prefix}.kernel` and
 * `${prefix}.b` (distinct prefixes give independent weights from one seed).
 *
 * @example
 * const conv1 = initConvParams(D, 0, "conv1", { kernelHeight: "kh", kernelWidth: "kw", in: "c_in", out: "c_hidden" });
 */
export function initConvParams<KH extends string, KW extends string, In extends string, Out extends string>(
  D: DimsWith<KH | KW | In | Out>,
  seed: number,
  prefix: string,
  kernelDims: ConvKernelDims<KH, KW, In, Out>,
): ConvParams<`${KH} ${KW} ${In} ${Out}`, Out> {
  const { kernelHeight, kernelWidth, in: inDim, out } = kernelDims;
  const std = 1 / Math.sqrt(D.sizes[kernelHeight] * D.sizes[kernelWidth] * D.sizes[inDim]);
  // The dims strings are built from the arguments; `transpose` of the plain tensors restates them (and checks them).
  const declared: Dims = D;
  const kernel: Tensor<string> = randomNormal(declared, `${kernelHeight} ${kernelWidth} ${inDim} ${out}`, { seed, name: `${prefix}.kernel`, std });
  const bias: Tensor<string> = zeros(declared, out);
  return { kernel: transpose(kernel, `${kernelHeight} ${kernelWidth} ${inDim} ${out}`), b: transpose(bias, out) };
}
