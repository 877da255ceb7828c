/**
 * Type-level helpers over parsed dims tuples (`ParseDims<"a b">` = `["a", "b"]`)
 * for the op rules. All are tail-recursive with an accumulator and never build
 * a union of possibilities. A wide `string` (dims unknown to the types) is
 * handled by each rule before these are called.
 */
import type { JoinDims, ParseDims } from "../../types/dimsString.ts";

/** `S` when `Error` is `never`, else `Error` (a message string): the validator-parameter technique. */
export type OrMessage<S, Error> = [Error] extends [never] ? S : Error & string;

/** `true` when `S` is the wide `string` (the types do not know the dims). */
export type IsWide<S extends string> = string extends S ? true : false;

/** The dims string in normal form (single spaces): `" a  b"` -> `"a b"`. */
export type Normalize<S extends string> = string extends S ? string : JoinDims<ParseDims<S>>;

/** How the types name a tensor in messages: `Tensor<"a b">`. */
export type Describe<S extends string> = string extends S ? "Tensor<string>" : `Tensor<"${Normalize<S>}">`;

/** The first name of `T` that is not in `Allowed`, or `never`. */
export type FirstNotIn<T extends readonly string[], Allowed> = T extends readonly [
  infer Head extends string,
  ...infer Rest extends string[],
]
  ? [Head] extends [Allowed]
    ? FirstNotIn<Rest, Allowed>
    : Head
  : never;

/** The first name of `T` that is in `Banned`, or `never`. */
export type FirstIn<T extends readonly string[], Banned> = T extends readonly [
  infer Head extends string,
  ...infer Rest extends string[],
]
  ? [Head] extends [Banned]
    ? Head
    : FirstIn<Rest, Banned>
  : never;

/** `T` without the names in `Removed`, order kept. */
export type Without<T extends readonly string[], Removed, Acc extends string[] = []> = T extends readonly [
  infer Head extends string,
  ...infer Rest extends string[],
]
  ? Without<Rest, Removed, [Head] extends [Removed] ? Acc : [...Acc, Head]>
  : Acc;

/** `T` with the name `From` replaced by the names `With` (in place). */
export type ReplaceWith<T extends readonly string[], From extends string, With extends string[], Acc extends string[] = []> = T extends readonly [
  infer Head extends string,
  ...infer Rest extends string[],
]
  ? ReplaceWith<Rest, From, With, Head extends From ? [...Acc, ...With] : [...Acc, Head]>
  : Acc;

/** The union `U` is more than one member: `true` or `false`. */
export type IsUnion<U, All = U> = U extends unknown ? ([All] extends [U] ? false : true) : never;
