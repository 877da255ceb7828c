/**
 * Type-level rules of einsum, dot, broadcasting (binary ops, where) and reductions,
 * twins of `einsumDims`, `dotDims`, `binaryDims`, `broadcastDims` and `reduceDims` in shapeRules.ts.
 */
import type { DimNames, JoinDims, ParseDims } from "../../types/dimsString.ts";
import type { Tensor } from "../../tensor.ts";
import type { writeDotMissingDimMessage, writeOuterNeededMessage } from "../contractionMessages.ts";
import type { writeEinsumStrayDimMessage, writeOpNoDimsMessage } from "../messages.ts";
import type { DimListError } from "./checks.ts";
import type { Describe, FirstNotIn, IsWide, Normalize, OrMessage, Without } from "./dimTuples.ts";

/** `Tensor<"a b">, Tensor<"b c">`: how einsum's message names its inputs. */
type DescribeInputs<Inputs extends string[], Acc extends string = ""> = Inputs extends [
  infer Head extends string,
  ...infer Rest extends string[],
]
  ? DescribeInputs<Rest, Acc extends "" ? Describe<Head> : `${Acc}, ${Describe<Head>}`>
  : Acc;

/** `true` when some input's dims are the wide `string`. */
type AnyWide<Inputs extends string[]> = Inputs extends [infer Head extends string, ...infer Rest extends string[]]
  ? IsWide<Head> extends true ? true : AnyWide<Rest>
  : false;

/** The message `einsumDims` throws for the output `Out` of `Inputs`, or `never`. */
export type EinsumError<Out extends string, Inputs extends string[]> =
  DimListError<"einsum", Out> extends infer Error
    ? [Error] extends [never]
      ? IsWide<Out> extends true
        ? never
        : AnyWide<Inputs> extends true
          ? never
          : FirstNotIn<ParseDims<Out>, DimNames<Inputs[number]>> extends infer Stray extends string
            ? [Stray] extends [never] ? never : writeEinsumStrayDimMessage<Stray, Normalize<Out>, DescribeInputs<Inputs>>
            : never
      : Error
    : never;

/**
 * `Out` when it is a valid einsum output for `Inputs` (each dim from an input,
 * listed once), else the message naming the stray or repeated dim.
 */
export type ValidateEinsumOut<Out extends string, Inputs extends string[]> = OrMessage<Out, EinsumError<Out, Inputs>>;

/**
 * Result dims of a binary op: `A`'s dims, then `B`'s dims that `A` lacks
 * (twin of `broadcastDims`). A wide `string` on either side gives `string`.
 *
 * @example
 * type R = BroadcastDims<"batch d", "d vocab">; // "batch d vocab"
 */
export type BroadcastDims<A extends string, B extends string> =
  IsWide<A> extends true ? string : IsWide<B> extends true ? string : JoinDims<[...ParseDims<A>, ...Without<ParseDims<B>, DimNames<A>>]>;

/** Result dims of reducing `X` over the dims listed in `L` (twin of `reduceDims`). */
export type ReduceDims<X extends string, L extends string> =
  IsWide<X> extends true ? string : IsWide<L> extends true ? string : JoinDims<Without<ParseDims<X>, DimNames<L>>>;

/**
 * The message `binaryDims` throws for `Op(a: Tensor<A>, b: Tensor<B>)`: each
 * operand has a dim the other lacks; or `never` (one's dims are all the
 * other's, or the types do not know the dims).
 */
export type BroadcastError<Op extends string, A extends string, B extends string> =
  IsWide<A> extends true
    ? never
    : IsWide<B> extends true
      ? never
      : FirstNotIn<ParseDims<A>, DimNames<B>> extends infer OnlyInA extends string
        ? [OnlyInA] extends [never]
          ? never
          : FirstNotIn<ParseDims<B>, DimNames<A>> extends infer OnlyInB extends string
            ? [OnlyInB] extends [never] ? never : writeOuterNeededMessage<Op, Describe<A>, OnlyInA, Describe<B>, OnlyInB>
            : never
        : never;

/** `Tensor<B>` when `Op(a: Tensor<A>, b)` broadcasts (one operand's dims within the other's), else the message. */
export type ValidateBroadcast<Op extends string, A extends string, B extends string> = OrMessage<Tensor<B>, BroadcastError<Op, A, B>>;

type DotLoop<Names extends string[], Summed, Added extends string[], Inserted extends boolean = false, Acc extends string[] = []> = Names extends [
  infer Head extends string,
  ...infer Rest extends string[],
]
  ? [Head] extends [Summed]
    ? DotLoop<Rest, Summed, Added, true, Inserted extends true ? Acc : [...Acc, ...Added]>
    : DotLoop<Rest, Summed, Added, Inserted, [...Acc, Head]>
  : Inserted extends true ? Acc : [...Acc, ...Added];

/**
 * Result dims of `dot(a: Tensor<A>, b: Tensor<B>, L)` (twin of `dotDims`):
 * a's dims without the summed ones, with b's dims that a lacks where a's
 * first summed dim was.
 *
 * @example
 * type R = DotDims<"batch seq d_model", "d_model d_ff", "d_model">; // "batch seq d_ff"
 */
export type DotDims<A extends string, B extends string, L extends string> =
  IsWide<A> extends true
    ? string
    : IsWide<B> extends true
      ? string
      : IsWide<L> extends true
        ? string
        : JoinDims<DotLoop<ParseDims<A>, DimNames<L>, Without<ParseDims<B>, DimNames<A> | DimNames<L>>>>;

/**
 * Result dims of `dot(a: Tensor<A>, b: Tensor<B>)` (no dims listed: every dim
 * both have is summed), as `DotDims` with those dims.
 *
 * @example
 * type R = ContractDims<"batch seq d_model", "d_model d_ff">; // "batch seq d_ff"
 */
export type ContractDims<A extends string, B extends string> =
  IsWide<A> extends true
    ? string
    : IsWide<B> extends true
      ? string
      : JoinDims<DotLoop<ParseDims<A>, Extract<DimNames<A>, DimNames<B>>, Without<ParseDims<B>, DimNames<A>>>>;

/** The message `dotDims` throws for the summed dims `L` of `A` and `B`, or `never`. */
export type DotError<L extends string, A extends string, B extends string> =
  [IsWide<A>, IsWide<B>] extends [true, true] ? never : DimListError<"dot", L> extends infer Error
    ? [Error] extends [never]
      ? IsWide<L> extends true
        ? never
        : ParseDims<L> extends []
          ? writeOpNoDimsMessage<"dot", `${Describe<A>} and ${Describe<B>}`>
          : MissingIn<ParseDims<L>, A> extends infer InA extends string
            ? [InA] extends [never]
              ? MissingIn<ParseDims<L>, B> extends infer InB extends string
                ? [InB] extends [never] ? never : writeDotMissingDimMessage<InB, Describe<B>>
                : never
              : writeDotMissingDimMessage<InA, Describe<A>>
            : never
      : Error
    : never;

/** The first of `Names` that `S` lacks, or `never` (never when `S` is wide). */
type MissingIn<Names extends string[], S extends string> = IsWide<S> extends true ? never : FirstNotIn<Names, DimNames<S>>;

/** `L` when it lists dims that both `A` and `B` have, each once, else the message. */
export type ValidateDot<L extends string, A extends string, B extends string> = OrMessage<L, DotError<L, A, B>>;
