/**
 * The messages of `conv2d`, each written once as a function and a type of the
 * same name (like messages.ts): the run-time shape rule (shapeRulesConv.ts)
 * and the type-level rule (types/conv.ts) give the same text.
 */

/** A role of conv2d's options (`height`, `in`, ...) names a dim that the tensor does not have. */
export type writeConvUnknownDimMessage<Role extends string, Dim extends string, Desc extends string> =
  `conv2d: ${Role} "${Dim}" is not a dim of ${Desc}. Name one of its dims, or fix the spelling.`;
/** A role of conv2d's options (`height`, `in`, ...) names a dim that the tensor does not have. */
export function writeConvUnknownDimMessage<Role extends string, Dim extends string, Desc extends string>(
  role: Role, dim: Dim, tensor: Desc,
): writeConvUnknownDimMessage<Role, Dim, Desc> {
  return `conv2d: ${role} "${dim}" is not a dim of ${tensor}. Name one of its dims, or fix the spelling.` as const;
}

/** Two roles of conv2d's options name the same dim. */
export type writeConvSameDimMessage<First extends string, Second extends string, Dim extends string> =
  `conv2d: ${First} and ${Second} are both "${Dim}". Give each role its own dim.`;
/** Two roles of conv2d's options name the same dim. */
export function writeConvSameDimMessage<First extends string, Second extends string, Dim extends string>(
  first: First, second: Second, dim: Dim,
): writeConvSameDimMessage<First, Second, Dim> {
  return `conv2d: ${first} and ${second} are both "${dim}". Give each role its own dim.` as const;
}

/** conv2d's `out` is already a dim of the input. */
export type writeConvOutExistsMessage<Dim extends string, Desc extends string> =
  `conv2d: out "${Dim}" is already a dim of ${Desc}. Give the output channels a name the input does not have.`;
/** conv2d's `out` is already a dim of the input. */
export function writeConvOutExistsMessage<Dim extends string, Desc extends string>(dim: Dim, tensor: Desc): writeConvOutExistsMessage<Dim, Desc> {
  return `conv2d: out "${dim}" is already a dim of ${tensor}. Give the output channels a name the input does not have.` as const;
}

/** The kernel has a dim that plays no role. */
export type writeConvKernelExtraDimMessage<Dim extends string, Desc extends string> =
  `conv2d: kernel ${Desc} has dim "${Dim}", which is not kernelHeight, kernelWidth, in or out. A kernel has exactly those four dims.`;
/** The kernel has a dim that plays no role. */
export function writeConvKernelExtraDimMessage<Dim extends string, Desc extends string>(dim: Dim, kernel: Desc): writeConvKernelExtraDimMessage<Dim, Desc> {
  return `conv2d: kernel ${kernel} has dim "${dim}", which is not kernelHeight, kernelWidth, in or out. A kernel has exactly those four dims.` as const;
}

/** The IR's sliding-window conv2d op got an even window (the front end and autodiff give it odd ones only: a compiler bug). */
export function writeConvEvenKernelMessage(role: string, dim: string, size: number): string {
  return `conv2d: ${role} "${dim}" has size ${size}; the stride-1 conv2d op takes odd windows (centred on each element); an even window is the strided plan's (dsl/ops/stridedConv.ts).`;
}

/** The input channels have different sizes in x and in the kernel (run time only). */
export function writeConvChannelsMessage(dim: string, xDesc: string, xSize: number, kernelDesc: string, kernelSize: number): string {
  return `conv2d: in "${dim}" has size ${xSize} in ${xDesc} but ${kernelSize} in kernel ${kernelDesc}. Give both the same number of input channels.`;
}

/** With padding "valid", a spatial dim is shorter than the window (run time only). */
export function writeConvTooSmallMessage(role: string, dim: string, size: number, window: number): string {
  return `conv2d: ${role} "${dim}" has size ${size}, less than the window (${window}) with padding "valid". Use padding "same", or a smaller kernel.`;
}

/** A padding option that is not "same" or "valid" (run time only). */
export function writeConvPaddingMessage(padding: string): string {
  return `conv2d: padding ${padding} is not "same" or "valid". Give "same" (zeros, result as large as x), "valid", or { height, width } with one of them each.`;
}

/** A stride that is not a positive integer (run time only). */
export function writeConvBadStrideMessage(stride: string): string {
  return `conv2d: stride ${stride} is not a positive integer. Give a number (both spatial dims) or { height, width } with one each.`;
}

/** An option conv2d does not have. */
export type writeConvUnknownOptionMessage<Name extends string> =
  `conv2d: unknown option "${Name}". The options are height, width, kernelHeight, kernelWidth, in, out, padding and stride.`;
/** An option conv2d does not have. */
export function writeConvUnknownOptionMessage<Name extends string>(name: Name): writeConvUnknownOptionMessage<Name> {
  return `conv2d: unknown option "${name}". The options are height, width, kernelHeight, kernelWidth, in, out, padding and stride.` as const;
}
