/**
 * Type-level rules of concat, oneHot, gather and relayout: twins of the shape
 * rules of the same names in shapeRulesReshape.ts.
 */
import type { ParseLayout, RuleTuple } from "../../parseLayout.ts";
import type { Tensor } from "../../tensor.ts";
import type { DimNames, JoinDims, ParseDims } from "../../types/dimsString.ts";
import type { writeRelayoutAxisReusedMessage, writeConcatDimsDifferMessage, writeGatherClashMessage } from "../messages.ts";
import type { DimName, DimOfError, UnknownDim } from "./checks.ts";
import type { Describe, FirstIn, IsWide, Normalize, OrMessage, Without } from "./dimTuples.ts";

/** The dims string of each tensor of a tuple or array, for concat. */
type FirstDims<Inputs extends readonly Tensor<string>[]> = Inputs extends readonly [infer Head extends Tensor<string>, ...Tensor<string>[]]
  ? Head["__dims"]
  : Inputs[number]["__dims"];

/** The first tensor of `Rest` whose dims are not `First`'s (as dims strings in normal form), or `never`. */
type FirstDiffering<Rest extends readonly Tensor<string>[], First extends string> = Rest extends readonly [
  infer Head extends Tensor<string>,
  ...infer Tail extends readonly Tensor<string>[],
]
  ? IsWide<Head["__dims"]> extends true
    ? FirstDiffering<Tail, First>
    : Normalize<Head["__dims"]> extends Normalize<First>
      ? FirstDiffering<Tail, First>
      : Head["__dims"]
  : never;

/** The message `concatDims` throws for the inputs `Inputs` along `D`, or `never` (the types check names and order, not sizes). */
export type ConcatError<D extends string, Inputs extends readonly Tensor<string>[]> =
  DimOfError<"concat", D, FirstDims<Inputs>> extends infer Error
    ? [Error] extends [never]
      ? Inputs extends readonly [infer Head extends Tensor<string>, ...infer Rest extends readonly Tensor<string>[]]
        ? IsWide<Head["__dims"]> extends true
          ? never
          : FirstDiffering<Rest, Head["__dims"]> extends infer Other extends string
            ? [Other] extends [never] ? never : writeConcatDimsDifferMessage<DimName<D>, `${Describe<Head["__dims"]>}, ${Describe<Other>}`>
            : never
        : never
      : Error
    : never;

/** `D` when it is a dim of the first input and all inputs have the same dims in the same order, else the message. */
export type ValidateConcatDim<D extends string, Inputs extends readonly Tensor<string>[]> = OrMessage<D, ConcatError<D, Inputs>>;

/** Result dims of `concat(inputs, d)`: the first input's. */
export type ConcatDims<Inputs extends readonly Tensor<string>[]> = FirstDims<Inputs>;

/** Result dims of `oneHot(ids, D, size)`: ids' dims, then `D`. */
export type OneHotDims<X extends string, D extends string> =
  IsWide<X> extends true ? string : IsWide<D> extends true ? string : JoinDims<[...ParseDims<X>, DimName<D>]>;

/** The message `gatherDims` throws for `gather(table: Table, ids: Ids, D)`, or `never`. */
export type GatherError<D extends string, Table extends string, Ids extends string> =
  DimOfError<"gather", D, Table> extends infer Error
    ? [Error] extends [never]
      ? IsWide<D> extends true
        ? never
        : IsWide<Table> extends true
          ? never
          : IsWide<Ids> extends true
            ? never
            : FirstIn<Without<ParseDims<Table>, DimName<D>>, DimNames<Ids>> extends infer Clash extends string
              ? [Clash] extends [never] ? never : writeGatherClashMessage<Clash, Describe<Ids>, Describe<Table>>
              : never
      : Error
    : never;

/** `D` when it is a dim of `Table` and no other table dim is a dim of `Ids`, else the message. */
export type ValidateGatherDim<D extends string, Table extends string, Ids extends string> = OrMessage<D, GatherError<D, Table, Ids>>;

/** Result dims of `gather(table, ids, D)`: ids' dims, then the table's without `D`. */
export type GatherDims<Table extends string, Ids extends string, D extends string> =
  IsWide<Table> extends true
    ? string
    : IsWide<Ids> extends true
      ? string
      : IsWide<D> extends true
        ? string
        : JoinDims<[...ParseDims<Ids>, ...Without<ParseDims<Table>, DimName<D>>]>;

type RelayoutLoop<Rules extends RuleTuple[], Spec extends string, X extends string, Owners extends RuleTuple = never> = Rules extends [
  infer Rule extends RuleTuple,
  ...infer Rest extends RuleTuple[],
]
  ? [Rule[0]] extends [DimNames<X>]
    ? Extract<Owners, [string, Rule[1], boolean]> extends infer Earlier
      ? [Earlier] extends [never]
        ? RelayoutLoop<Rest, Spec, X, Owners | Rule>
        : Earlier extends RuleTuple
          ? writeRelayoutAxisReusedMessage<"relayout", Spec, Describe<X>, Earlier[0], Rule[0], Rule[1]>
          : never
      : never
    : UnknownDim<"relayout", Rule[0], X>
  : never;

/** The message `relayoutRules` throws for the layout `Spec` of `X`: syntax, an unknown dim, two dims on one axis; or `never`. */
export type RelayoutError<Spec extends string, X extends string> =
  IsWide<Spec> extends true
    ? never
    : ParseLayout<Spec> extends infer Parsed
      ? Parsed extends string
        ? Parsed
        : IsWide<X> extends true
          ? never
          : Parsed extends RuleTuple[]
            ? RelayoutLoop<Parsed, Spec, X>
            : never
      : never;

/** `Spec` when it is a layout constraint (`"dim:axis, ..."`) on dims of `X`, else the message. */
export type ValidateRelayout<Spec extends string, X extends string> = OrMessage<Spec, RelayoutError<Spec, X>>;
