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
  writeUnknownAxisMessage,
} from "../messages/layout.ts";
import type { ParseLayout, RuleTuple } from "../parseLayout.ts";
import type { Divides } from "./divisible.ts";

type NumberOf<Record, Key> = Key extends keyof Record ? (Record[Key] extends number ? Record[Key] : number) : number;

type RulesError<
  Rules extends RuleTuple[],
  Spec extends string,
  Axes extends Record<string, number>,
  Sizes extends Record<string, number>,
> = Rules extends [[infer Dim extends string, infer Axis extends string], ...infer Rest extends RuleTuple[]]
  ? Dim extends keyof Sizes
    ? Axis extends keyof Axes
      ? Divides<NumberOf<Axes, Axis>, NumberOf<Sizes, Dim>> extends true
        ? RulesError<Rest, Spec, Axes, Sizes>
        : writeIndivisibleMessage<writeLayoutWhat<Spec>, Dim, NumberOf<Sizes, Dim>, Axis, NumberOf<Axes, Axis>, Spec>
      : writeUnknownAxisMessage<Dim, Axis, Spec>
    : writeLayoutUnknownDimMessage<Dim, Spec>
  : never;

/**
 * The first fault of the layout string `Spec` over a mesh with axes `Axes` and
 * dims `Sizes`, or `never`: syntax and repeated dims (as `parseLayout`), then,
 * rule by rule, an undeclared dim, an unknown axis, a size the axis does not
 * divide (as `layout()` at run time, in the same order, with the same text).
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
