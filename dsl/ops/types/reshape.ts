/**
 * Type-level rules of rename, transpose, splitDim and mergeDims: twins of the
 * shape rules of the same names in shapeRules.ts and shapeRulesReshape.ts.
 */
import type { DimNames, JoinDims, ParseDims } from "../../types/dimsString.ts";
import type { Tensor } from "../../tensor.ts";
import type { writeAlignMismatchMessage } from "../contractionMessages.ts";
import type {
  writeNotPermutationMessage,
  writeOpDimExistsMessage,
  writeOpNoDimsMessage,
  writeSplitMissingSizesMessage,
  writeSplitSizeKeyMessage,
} from "../messages.ts";
import type { DimListError, DimName, UnknownDim } from "./checks.ts";
import type { Describe, FirstIn, FirstNotIn, IsWide, Normalize, OrMessage, ReplaceWith, Without } from "./dimTuples.ts";

/** Result dims of `rename(x, From, To)`. */
export type RenameDims<X extends string, From extends string, To extends string> =
  IsWide<X> extends true ? string : IsWide<To> extends true ? string : JoinDims<ReplaceWith<ParseDims<X>, DimName<From>, ParseDims<To>>>;

/** The message `transposeDims` throws for `Perm` of `X`, or `never`. */
export type TransposeError<Perm extends string, X extends string> =
  IsWide<X> extends true ? never : DimListError<"transpose", Perm> extends infer Error
    ? [Error] extends [never]
      ? IsWide<Perm> extends true
        ? never
        : IsWide<X> extends true
          ? never
          : UnknownDim<"transpose", FirstNotIn<ParseDims<Perm>, DimNames<X>>, X> extends infer Unknown
            ? [Unknown] extends [never]
              ? FirstNotIn<ParseDims<X>, DimNames<Perm>> extends infer Missing extends string
                ? [Missing] extends [never] ? never : writeNotPermutationMessage<Normalize<Perm>, Missing, Describe<X>>
                : never
              : Unknown
            : never
      : Error
    : never;

/**
 * Result dims of `transpose(x: Tensor<X>, Perm)`: `Perm` in normal form; for a
 * wide `X` (dims the types do not know) `Perm` as written, so that a layer can
 * state its result's dims with a template (`transpose(y, dimsOf(x))`), which
 * the op checks at run time.
 */
export type TransposeDims<X extends string, Perm extends string> = IsWide<X> extends true ? Perm : Normalize<Perm>;

/** The message `alignDims` throws for `alignAs(y: Tensor<Y>, like: Tensor<X>)`, or `never` (also when the types do not know either). */
export type AlignError<Y extends string, X extends string> =
  IsWide<Y> extends true
    ? never
    : IsWide<X> extends true
      ? never
      : [FirstNotIn<ParseDims<Y>, DimNames<X>> | FirstNotIn<ParseDims<X>, DimNames<Y>>] extends [never]
        ? never
        : writeAlignMismatchMessage<Describe<Y>, Describe<X>>;

/** `Tensor<Y>` when y has like's dims (in any order), else the message. */
export type ValidateAlign<Y extends string, X extends string> = OrMessage<Tensor<Y>, AlignError<Y, X>>;

/** `Perm` when it lists every dim of `X` once, else the message (`Perm` is inferred from the argument only, not from the message, so a computed type such as `ContractDims<X, W>` stays itself). */
export type ValidatePermutation<Perm extends string, X extends string> = OrMessage<Perm, TransposeError<NoInfer<Perm>, X>>;

/** The message `splitDims` throws for the new names `Names` of dim `D` of `X`, or `never`. */
export type SplitNamesError<Names extends string, D extends string, X extends string> =
  IsWide<X> extends true ? never : DimListError<"splitDim", Names> extends infer Error
    ? [Error] extends [never]
      ? IsWide<Names> extends true
        ? never
        : ParseDims<Names> extends []
          ? writeOpNoDimsMessage<"splitDim", Describe<X>>
          : IsWide<X> extends true
            ? never
            : FirstIn<ParseDims<Names>, Exclude<DimNames<X>, DimName<D>>> extends infer Clash extends string
              ? [Clash] extends [never] ? never : writeOpDimExistsMessage<"splitDim", Clash, Describe<X>>
              : never
      : Error
    : never;

/** `Names` when they are new names for dim `D` of `X`, else the message. */
export type ValidateSplitNames<Names extends string, D extends string, X extends string> = OrMessage<Names, SplitNamesError<Names, D, X>>;

/** The message for a sizes object of splitDim into `Names`: a key that is not a new dim, or two sizes left out. */
export type SplitSizesError<Sizes, Names extends string> =
  IsWide<Names> extends true
    ? never
    : string extends keyof Sizes
      ? never
      : Exclude<keyof Sizes, DimNames<Names>> extends infer Key extends string
        ? [Key] extends [never]
          ? Without<ParseDims<Names>, keyof Sizes> extends [infer First extends string, infer Second extends string, ...string[]]
            ? writeSplitMissingSizesMessage<First, Second, Normalize<Names>>
            : never
          : writeSplitSizeKeyMessage<Key, Normalize<Names>>
        : never;

/** `Sizes` when its keys are new dims of the split and at most one is left out, else the message. */
export type ValidateSplitSizes<Sizes, Names extends string> = OrMessage<Sizes, SplitSizesError<Sizes, Names>>;

/** Result dims of `splitDim(x, D, Names, sizes)`: the new dims at `D`'s position. */
export type SplitDims<X extends string, D extends string, Names extends string> =
  IsWide<X> extends true ? string : IsWide<Names> extends true ? string : JoinDims<ReplaceWith<ParseDims<X>, DimName<D>, ParseDims<Names>>>;

type MergeLoop<X extends string[], First extends string, Merged extends string, Into extends string, Acc extends string[] = []> = X extends [
  infer Head extends string,
  ...infer Rest extends string[],
]
  ? MergeLoop<Rest, First, Merged, Into, Head extends First ? [...Acc, Into] : [Head] extends [Merged] ? Acc : [...Acc, Head]>
  : Acc;

/** Result dims of `mergeDims(x, Names, Into)`: `Into` at the position of the first listed name. */
export type MergeDims<X extends string, Names extends string, Into extends string> =
  IsWide<X> extends true
    ? string
    : IsWide<Names> extends true
      ? string
      : IsWide<Into> extends true
        ? string
        : ParseDims<Names> extends [infer First extends string, ...string[]]
          ? JoinDims<MergeLoop<ParseDims<X>, First, DimNames<Names>, DimName<Into>>>
          : Normalize<X>;
