/**
 * Type-level divisibility of a dim size by a mesh axis size, by decimal long
 * division digit by digit. The remainder is a tuple shorter than the axis
 * size; each digit costs a handful of tuple steps (r -> 10r + d mod a, done as
 * doublings so no tuple grows past twice the axis size). Axis sizes up to
 * {@link maxCheckedAxisSize} are checked; larger ones, sizes written in
 * exponent form and the wide `number` are left to the run-time check.
 * Measured cost: see BENCHMARKS.md.
 */

/** The largest axis size the types check divisibility by; above it only the run time checks. */
export const maxCheckedAxisSize = 1024;

type Unit = 0;
type Units = Unit[];

interface DigitUnits {
  "0": [];
  "1": [Unit];
  "2": [Unit, Unit];
  "3": [Unit, Unit, Unit];
  "4": [Unit, Unit, Unit, Unit];
  "5": [Unit, Unit, Unit, Unit, Unit];
  "6": [Unit, Unit, Unit, Unit, Unit, Unit];
  "7": [Unit, Unit, Unit, Unit, Unit, Unit, Unit];
  "8": [Unit, Unit, Unit, Unit, Unit, Unit, Unit, Unit];
  "9": [Unit, Unit, Unit, Unit, Unit, Unit, Unit, Unit, Unit];
}
type Digit = keyof DigitUnits;

type Times10<T extends Units> = [...T, ...T, ...T, ...T, ...T, ...T, ...T, ...T, ...T, ...T];

/** The tuple of length `N` for a decimal string `N` (small `N` only), or `undefined` if `N` has a non-digit. */
type UnitsOf<N extends string, Acc extends Units = []> = N extends `${infer Head extends Digit}${infer Rest}`
  ? UnitsOf<Rest, [...Times10<Acc>, ...DigitUnits[Head]]>
  : N extends ""
    ? Acc
    : undefined;

/** `R mod A` for `R < 2A`. */
type ReduceOnce<R extends Units, A extends Units> = R extends [...A, ...infer Rest extends Units] ? Rest : R;
/** `R mod A` for any `R` (at most ten subtractions here). */
type Reduce<R extends Units, A extends Units> = R extends [...A, ...infer Rest extends Units] ? Reduce<Rest, A> : R;

/** `(10 R + D) mod A`, for `R < A`. */
type Step<R extends Units, D extends Units, A extends Units> =
  ReduceOnce<[...R, ...R], A> extends infer R2 extends Units
    ? ReduceOnce<[...R2, ...R2], A> extends infer R4 extends Units
      ? ReduceOnce<[...R4, ...R], A> extends infer R5 extends Units
        ? ReduceOnce<[...R5, ...R5], A> extends infer R10 extends Units
          ? Reduce<[...R10, ...D], A>
          : never
        : never
      : never
    : never;

type Remainder<N extends string, A extends Units, R extends Units = []> = N extends `${infer Head extends Digit}${infer Rest}`
  ? Remainder<Rest, A, Step<R, DigitUnits[Head], A>>
  : N extends ""
    ? R["length"]
    : 0;

/** `true` for the decimal strings of the axis sizes the types check (at most 1024), without expanding a union of them. */
type IsCheckedAxisSize<S extends string> = S extends `${infer _A}${infer _B}${infer _C}${infer _D}${infer _Rest}`
  ? S extends `10${"0" | "1"}${Digit}` | `102${"0" | "1" | "2" | "3" | "4"}`
    ? true
    : false
  : true;

/**
 * `true` unless the types can show that `AxisSize` does not divide `Size`
 * (positive integer literals, axis size at most 1024; anything else is left
 * to the run-time check in `layout()`).
 *
 * @example
 * type T = Divides<8, 4096>; // true
 * type F = Divides<3, 1024>; // false
 */
export type Divides<AxisSize extends number, Size extends number> =
  IsCheckedAxisSize<`${AxisSize}`> extends true
  ? UnitsOf<`${AxisSize}`> extends infer AxisUnits extends [Unit, ...Units]
    ? Remainder<`${Size}`, AxisUnits> extends 0
      ? true
      : false
    : true
  : true;

/** `Acc` repeated `Count` times, or `undefined` once it grows past 1024. */
type Repeat<Acc extends Units, Count extends Units, Out extends Units = []> = Count extends [Unit, ...infer Rest extends Units]
  ? IsCheckedAxisSize<`${Out["length"]}`> extends true
    ? Repeat<Acc, Rest, [...Out, ...Acc]>
    : undefined
  : Out;

type ProductUnits<Factors extends number[], Acc extends Units = [Unit]> = Factors extends [
  infer Head extends number,
  ...infer Rest extends number[],
]
  ? number extends Head
    ? undefined
    : IsCheckedAxisSize<`${Head}`> extends true
      ? UnitsOf<`${Head}`> extends infer HeadUnits extends Units
        ? (Acc extends [Unit] ? HeadUnits : Repeat<Acc, HeadUnits>) extends infer Next extends Units
          ? ProductUnits<Rest, Next>
          : undefined
        : undefined
      : undefined
  : IsCheckedAxisSize<`${Acc["length"]}`> extends true
    ? Acc
    : undefined;

/**
 * The product of the axis sizes a dim is split over (positive integer
 * literals), when it is at most {@link maxCheckedAxisSize}; otherwise (or for
 * a wide `number`) `undefined`, and the divisibility of that split is left to
 * the run-time check.
 *
 * @example
 * type P = ProductOf<[4, 2]>;     // 8
 * type L = ProductOf<[512, 512]>; // undefined
 */
export type ProductOf<Factors extends number[]> = Factors extends [infer Only extends number]
  ? Only
  : ProductUnits<Factors> extends infer Product extends Units
    ? Product["length"]
    : undefined;
