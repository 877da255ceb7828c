/**
 * Dims constraints for code that is generic over its dims: `HasDims<"d_model">`
 * is every dims string that has the name `d_model` (in any position), so a
 * helper can say "a tensor that has d_model" and the ops can prove, from the
 * constraint alone, that a reduction or a softmax over `d_model` is valid:
 *
 *     function rmsNorm<X extends HasDims<"d_model">>(x: Tensor<X>, scale: Tensor<"d_model">): Tensor<X> {
 *       return mul(mul(x, rsqrt(add(mean(square(x), "d_model"), 1e-6))), scale);
 *     }
 *
 * It is a union of four template literal types per name (the name alone,
 * first, last, in the middle, with single spaces), intersected over the names:
 * no parsing of the constrained string, so TypeScript relates a type parameter
 * to it through its constraint. The runtime twin is {@link hasDims}.
 */
import type { FirstRepeat, ParseDims } from "./dimsString.ts";

/** The dims strings that have the one name `Name`: `Name`, `Name ...`, `... Name`, `... Name ...`. */
export type HasDim<Name extends string> = Name | `${Name} ${string}` | `${string} ${Name}` | `${string} ${Name} ${string}`;

/** `HasDim<Name>` when `Name` is one name (no blanks, not empty), else `never`: what an op over one dim (softmax) can prove. */
export type HasOneDim<Name extends string> = Name extends "" | `${string} ${string}` ? never : HasDim<Name>;

type HasAll<Names extends readonly string[], Acc = unknown> = Names extends readonly [infer Head extends string, ...infer Rest extends string[]]
  ? HasAll<Rest, Acc & HasDim<Head>>
  : Acc;

/**
 * The dims strings that have every name of the dims string `Names` (written
 * with single spaces). The wide `string` (names the types do not know), an
 * empty list and a list with a repeated name have none (`never`): they prove
 * nothing, so an op given them falls back to its checked form and its message.
 *
 * @example
 * function norm<X extends HasDims<"d_model">>(x: Tensor<X>) { return mean(x, "d_model"); }
 * type Ok = "batch seq d_model" extends HasDims<"seq d_model"> ? true : false; // true
 */
export type HasDims<Names extends string> = string extends Names
  ? never
  : ParseDims<Names> extends infer List extends string[]
    ? List extends []
      ? never
      : [FirstRepeat<List>] extends [never] ? HasAll<List> : never
    : never;

/**
 * Runtime twin of {@link HasDims}: whether the dims string `spec` has every
 * name of `names` (both space-separated).
 *
 * @example
 * hasDims("batch seq d_model", "d_model"); // true
 */
export function hasDims(spec: string, names: string): boolean {
  const own = new Set(spec.split(" ").filter((name) => name !== ""));
  return names.split(" ").filter((name) => name !== "").every((name) => own.has(name));
}
