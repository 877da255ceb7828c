/**
 * Type-level twins of the argument checks in dimLists.ts and the shape rules:
 * one dim of a tensor, a list of dims of a tensor, a new dim name. Each `...Error`
 * type is the message the run-time rule throws for the same input, or `never`;
 * each `Validate...` is the user's argument when valid and the message when not.
 * A wide `string` argument or tensor is never an error (the types do not know it);
 * with a wide tensor its name arguments are not read at all, so names that are
 * type parameters (a layer generic over its sequence dim) pass too.
 */
import type { DimsError } from "../../parseDims.ts";
import type { DimNames, FirstRepeat, ParseDims } from "../../types/dimsString.ts";
import type {
  writeOneDimMessage,
  writeOpDimExistsMessage,
  writeOpNoDimsMessage,
  writeOpRepeatedDimMessage,
  writeOpUnknownDimMessage,
} from "../messages.ts";
import type { Describe, FirstIn, FirstNotIn, IsWide, Normalize, OrMessage } from "./dimTuples.ts";

/** The one name of a one-dim argument (`" seq "` -> `"seq"`). */
export type DimName<D extends string> = ParseDims<D> extends [infer Name extends string] ? Name : D;

/** The unknown-dim message of `Op` for `Name` (which may be `never`: then `never`). */
export type UnknownDim<Op extends string, Name extends string, X extends string> = [Name] extends [never]
  ? never
  : writeOpUnknownDimMessage<Op, Name, Describe<X>>;

/** Twin of `readDimName`: the message for a one-dim argument that is not one name. */
export type OneDimError<Op extends string, D extends string> =
  IsWide<D> extends true ? never : [DimsError<D>] extends [never] ? (ParseDims<D> extends [string] ? never : writeOneDimMessage<Op, D>) : DimsError<D>;

/** Twin of `readDimName` then `requireDim`: `D` must be one name, a dim of `X` (nothing is checked against a wide `X`). */
export type DimOfError<Op extends string, D extends string, X extends string> =
  IsWide<X> extends true ? never : OneDimError<Op, D> extends infer Error
    ? [Error] extends [never]
      ? IsWide<D> extends true ? never : IsWide<X> extends true ? never : UnknownDim<Op, FirstNotIn<[DimName<D>], DimNames<X>>, X>
      : Error
    : never;

/**
 * `D` when it is one dim of `X`, else the message. (Written out rather than as
 * `OrMessage<...>`, so that where `X` is a type parameter the editor names this
 * check, `ValidateDimOf<"softmax", "d", X>`: such an `X` needs a constraint, `X extends HasDims<"d">`.)
 */
export type ValidateDimOf<Op extends string, D extends string, X extends string> =
  [DimOfError<Op, D, X>] extends [never] ? D : DimOfError<Op, D, X> & string;

/** Twin of `readDimList`: a repeated name (named by `Op`), then a malformed one. */
export type DimListError<Op extends string, L extends string> =
  IsWide<L> extends true
    ? never
    : FirstRepeat<ParseDims<L>> extends infer Repeat extends string
      ? [Repeat] extends [never]
        ? DimsError<Normalize<L>>
        : writeOpRepeatedDimMessage<Op, Repeat, Normalize<L>>
      : never;

/** A non-empty list of dims of `X` (reductions, mergeDims): list syntax, then empty, then unknown names; nothing against a wide `X`. */
export type DimsOfError<Op extends string, L extends string, X extends string> =
  IsWide<X> extends true ? never : DimListError<Op, L> extends infer Error
    ? [Error] extends [never]
      ? IsWide<L> extends true
        ? never
        : ParseDims<L> extends []
          ? writeOpNoDimsMessage<Op, Describe<X>>
          : IsWide<X> extends true ? never : UnknownDim<Op, FirstNotIn<ParseDims<L>, DimNames<X>>, X>
      : Error
    : never;

/** `L` when it is a non-empty list of dims of `X`, each once, else the message (written out as `ValidateDimOf` is). */
export type ValidateDimsOf<Op extends string, L extends string, X extends string> =
  [DimsOfError<Op, L, X>] extends [never] ? L : DimsOfError<Op, L, X> & string;

/** A new dim name for `X`: one name, not a dim of `X` other than those in `Reused` (names that go away). */
export type NewDimError<Op extends string, D extends string, X extends string, Reused extends string> =
  IsWide<X> extends true ? never : OneDimError<Op, D> extends infer Error
    ? [Error] extends [never]
      ? IsWide<D> extends true
        ? never
        : IsWide<X> extends true
          ? never
          : FirstIn<[DimName<D>], Exclude<DimNames<X>, Reused>> extends infer Clash extends string
            ? [Clash] extends [never] ? never : writeOpDimExistsMessage<Op, Clash, Describe<X>>
            : never
      : Error
    : never;

/** `D` when it is a name `X` does not have (or one of `Reused`), else the message. */
export type ValidateNewDim<Op extends string, D extends string, X extends string, Reused extends string = never> = OrMessage<
  D,
  NewDimError<Op, D, X, Reused>
>;
