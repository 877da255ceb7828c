/**
 * Type-level rules of einsum, broadcasting (binary ops, where) and reductions,
 * twins of `einsumDims`, `broadcastDims` and `reduceDims` in shapeRules.ts.
 */
import type { DimNames, JoinDims, ParseDims } from "../../types/dimsString.ts";
import type { writeEinsumStrayDimMessage } from "../messages.ts";
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
