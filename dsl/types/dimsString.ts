/**
 * Type-level primitives over dims strings such as `"batch seq d_model"`.
 * Every recursion here is tail-recursive (an accumulator carries the result),
 * so dims strings of 64 names and more stay within the checker's limits.
 * Never build a union of all possibilities: work on the tuple.
 */

/** `"batch  seq d_model"` -> `["batch", "seq", "d_model"]` (runs of spaces are one separator). */
export type ParseDims<S extends string, Acc extends string[] = []> = S extends `${infer Head} ${infer Rest}`
  ? ParseDims<Rest, Head extends "" ? Acc : [...Acc, Head]>
  : S extends ""
    ? Acc
    : [...Acc, S];

/** `["batch", "seq"]` -> `"batch seq"`; `[]` -> `""`. */
export type JoinDims<T extends readonly string[], Acc extends string = ""> = T extends readonly [
  infer Head extends string,
  ...infer Rest extends string[],
]
  ? JoinDims<Rest, Acc extends "" ? Head : `${Acc} ${Head}`>
  : Acc;

/** The first name that occurs twice in `T`, or `never` when all are distinct. */
export type FirstRepeat<T extends readonly string[], Seen extends string = never> = T extends readonly [
  infer Head extends string,
  ...infer Rest extends string[],
]
  ? [Head] extends [Seen]
    ? Head
    : FirstRepeat<Rest, Seen | Head>
  : never;

/** The names of a dims string as a union: `"a b"` -> `"a" | "b"`. */
export type DimNames<S extends string> = ParseDims<S>[number];
