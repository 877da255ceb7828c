/**
 * The type-level twin of `conv2dDims` (shapeRulesConv.ts): every name of the
 * options must play its role in x and the kernel, and the result is x's dims
 * with `in` replaced by `out`. Sizes (odd windows, equal channel counts) are
 * checked at run time only: the types do not know them (strides too). Options
 * conv2d does not have are rejected. A wide `string` (a
 * tensor or a name the types do not know) is never an error.
 */
import type { Conv2dOptions } from "../shapeRulesConv.ts";
import type { DimNames, JoinDims, ParseDims } from "../../types/dimsString.ts";
import type {
  writeConvKernelExtraDimMessage, writeConvOutExistsMessage, writeConvSameDimMessage, writeConvUnknownDimMessage, writeConvUnknownOptionMessage,
} from "../convMessages.ts";
import type { Describe, FirstNotIn, IsWide, OrMessage, ReplaceWith } from "./dimTuples.ts";

/** The first member of `T` that is not `never`, or `never`. */
type FirstError<T extends readonly unknown[]> = T extends readonly [infer Head, ...infer Rest]
  ? [Head] extends [never] ? FirstError<Rest> : Head
  : never;

/** The message when `Name` (the dim of `Role`) is not a dim of `S`, else `never`. */
type RoleError<Role extends string, Name extends string, S extends string, Desc extends string> =
  IsWide<Name> extends true ? never : IsWide<S> extends true ? never : Name extends DimNames<S> ? never : writeConvUnknownDimMessage<Role, Name, Desc>;

/** The message when two roles name the same dim, else `never`. */
type SameError<First extends string, Second extends string, A extends string, B extends string> =
  IsWide<A> extends true ? never : IsWide<B> extends true ? never : A extends B ? writeConvSameDimMessage<First, Second, A> : never;

/** The message when `out` is a dim of x, else `never`. */
type OutError<Out extends string, X extends string> =
  IsWide<Out> extends true ? never : IsWide<X> extends true ? never : Out extends DimNames<X> ? writeConvOutExistsMessage<Out, Describe<X>> : never;

/** The message when the kernel has a dim that plays no role, else `never`. */
type ExtraError<O extends Conv2dOptions, K extends string> =
  IsWide<K> extends true
    ? never
    : IsWide<O["kernelHeight"] | O["kernelWidth"] | O["in"] | O["out"]> extends true
      ? never
      : FirstNotIn<ParseDims<K>, O["kernelHeight"] | O["kernelWidth"] | O["in"] | O["out"]> extends infer Extra extends string
        ? [Extra] extends [never] ? never : writeConvKernelExtraDimMessage<Extra, Describe<K>>
        : never;

/** The message for an option conv2d does not have (`strides`, a typo), else `never`. */
type UnknownOptionError<O extends Conv2dOptions> =
  Exclude<keyof O, keyof Conv2dOptions> extends infer Name extends string ? [Name] extends [never] ? never : writeConvUnknownOptionMessage<Name> : never;

/** The first message `conv2dDims` would throw for names alone, or `never`. */
export type Conv2dError<O extends Conv2dOptions, X extends string, K extends string> = FirstError<[
  UnknownOptionError<O>,
  SameError<"height", "width", O["height"], O["width"]>,
  SameError<"height", "in", O["height"], O["in"]>,
  SameError<"width", "in", O["width"], O["in"]>,
  SameError<"kernelHeight", "kernelWidth", O["kernelHeight"], O["kernelWidth"]>,
  SameError<"kernelHeight", "in", O["kernelHeight"], O["in"]>,
  SameError<"kernelWidth", "in", O["kernelWidth"], O["in"]>,
  RoleError<"height", O["height"], X, Describe<X>>,
  RoleError<"width", O["width"], X, Describe<X>>,
  RoleError<"in", O["in"], X, Describe<X>>,
  RoleError<"in", O["in"], K, Describe<K>>,
  RoleError<"kernelHeight", O["kernelHeight"], K, Describe<K>>,
  RoleError<"kernelWidth", O["kernelWidth"], K, Describe<K>>,
  RoleError<"out", O["out"], K, Describe<K>>,
  OutError<O["out"], X>,
  ExtraError<O, K>,
]>;

/** `O` when its names fit x (`X`) and the kernel (`K`), else the message. */
export type ValidateConv2d<O extends Conv2dOptions, X extends string, K extends string> = OrMessage<O, Conv2dError<O, X, K>>;

/** Result dims of `conv2d(x: Tensor<X>, kernel, O)`: x's dims with `in` replaced by `out`. */
export type Conv2dDims<X extends string, O extends Conv2dOptions> =
  IsWide<X> extends true ? string : IsWide<O["in"] | O["out"]> extends true ? string : JoinDims<ReplaceWith<ParseDims<X>, O["in"], [O["out"]]>>;
