/**
 * The validator for layout strings against a mesh and declared dims: the
 * parameter type of `layout(M, D, spec)`. It returns the user's own string when
 * the layout is valid and the message when it is not, so the editor underlines
 * the bad string with the message.
 */
import type {
  writeIndivisibleMessage,
  writeLayoutUnknownDimMessage,
  writeLayoutWhat,
  writeNotDividedBy,
  writeUnknownAxisMessage,
} from "../messages/layout.ts";
import type { ParseLayout, RuleTuple } from "../parseLayout.ts";
import type { Divides, ProductOf } from "./divisible.ts";

type NumberOf<Record, Key> = Key extends keyof Record ? (Record[Key] extends number ? Record[Key] : number) : number;

type Join<Names extends string[], Acc extends string = ""> = Names extends [infer Head extends string, ...infer Rest extends string[]]
  ? Join<Rest, Acc extends "" ? Head : `${Acc}, ${Head}`>
  : Acc;

type AxisSizes<Group extends string[], Axes extends Record<string, number>, Acc extends number[] = []> = Group extends [
  infer Axis extends string,
  ...infer Rest extends string[],
]
  ? AxisSizes<Rest, Axes, [...Acc, NumberOf<Axes, Axis>]>
  : Acc;

/**
 * `true` when the finished rule (dim `Dim` over the axes `Group`) is fine:
 * padded, or its axes' product divides the size (or is too large for the
 * types to check). Free of the spec, so the checker caches it across layouts.
 */
type GroupDivides<
  Dim extends string,
  Group extends string[],
  Padded extends boolean,
  Axes extends Record<string, number>,
  Sizes extends Record<string, number>,
> = Group extends []
  ? true
  : Padded extends true
    ? true
    : Group extends [infer Only extends string]
      ? Divides<NumberOf<Axes, Only>, NumberOf<Sizes, Dim>>
      : ProductOf<AxisSizes<Group, Axes>> extends infer Devices extends number
        ? Divides<Devices, NumberOf<Sizes, Dim>>
        : true;

/** The indivisibility message of one finished rule (dim `Dim` over the axes `Group`), or `never`. */
type GroupError<
  Dim extends string,
  Group extends string[],
  Padded extends boolean,
  Spec extends string,
  Axes extends Record<string, number>,
  Sizes extends Record<string, number>,
> = GroupDivides<Dim, Group, Padded, Axes, Sizes> extends true
  ? never
  : Group extends [infer Only extends string]
    ? writeIndivisibleMessage<writeLayoutWhat<Spec>, Dim, NumberOf<Sizes, Dim>, writeNotDividedBy<Only, false, NumberOf<Axes, Only>>, Only, NumberOf<Axes, Only>, Spec>
    : ProductOf<AxisSizes<Group, Axes>> extends infer Devices extends number
      ? writeIndivisibleMessage<
          writeLayoutWhat<Spec>,
          Dim,
          NumberOf<Sizes, Dim>,
          writeNotDividedBy<Join<Group>, true, Devices>,
          Join<Group>,
          Devices,
          Spec
        >
      : never;

/**
 * Rule by rule (a rule's entries are consecutive): an undeclared dim, then
 * each of its axes unknown, then a size the rule's axes do not divide.
 */
type RulesError<
  Rules extends RuleTuple[],
  Spec extends string,
  Axes extends Record<string, number>,
  Sizes extends Record<string, number>,
  Dim extends string = never,
  Group extends string[] = [],
  Padded extends boolean = false,
> = Rules extends [[infer Next extends string, infer Axis extends string, infer NextPadded extends boolean], ...infer Rest extends RuleTuple[]]
  ? [Next] extends [Dim]
    ? Axis extends keyof Axes
      ? RulesError<Rest, Spec, Axes, Sizes, Dim, [...Group, Axis], Padded>
      : writeUnknownAxisMessage<Next, Axis, Spec>
    : GroupDivides<Dim, Group, Padded, Axes, Sizes> extends false
      ? GroupError<Dim, Group, Padded, Spec, Axes, Sizes>
      : Next extends keyof Sizes
        ? Axis extends keyof Axes
          ? RulesError<Rest, Spec, Axes, Sizes, Next, [Axis], NextPadded>
          : writeUnknownAxisMessage<Next, Axis, Spec>
        : writeLayoutUnknownDimMessage<Next, Spec>
  : GroupDivides<Dim, Group, Padded, Axes, Sizes> extends false
    ? GroupError<Dim, Group, Padded, Spec, Axes, Sizes>
    : never;

/**
 * The first fault of the layout string `Spec` over a mesh with axes `Axes` and
 * dims `Sizes`, or `never`: syntax, an axis twice in a rule and repeated dims
 * (as `parseLayout`), then, rule by rule, an undeclared dim, an unknown axis,
 * a size the product of the rule's axes does not divide unless the rule is
 * `padded(...)` (as `layout()` at run time, in the same order, with the same
 * text).
 */
export type LayoutError<
  Spec extends string,
  Axes extends Record<string, number>,
  Sizes extends Record<string, number>,
> = string extends Spec
  ? never
  : ParseLayout<Spec> extends infer Parsed
    ? Parsed extends RuleTuple[]
      ? RulesError<Parsed, Spec, Axes, Sizes>
      : Parsed
    : never;

/**
 * `Spec` when it is a valid layout for the mesh axes `Axes` and the dims
 * `Sizes`, else the message. Two dims may share an axis (the Megatron layout
 * `d_ff:model, heads:model`): only a tensor that has both is an error.
 *
 * @example
 * type Ok = ValidateLayout<"batch:data", { data: 4 }, { batch: 64 }>;  // "batch:data"
 * type Bad = ValidateLayout<"batch:modle", { data: 4 }, { batch: 64 }>; // 'Unknown mesh axis "modle" ...'
 */
export type ValidateLayout<
  Spec extends string,
  Axes extends Record<string, number>,
  Sizes extends Record<string, number>,
> = LayoutError<Spec, Axes, Sizes> extends infer Message
  ? [Message] extends [never]
    ? Spec
    : Message
  : never;
