/**
 * Validators for dims strings, for use in parameter types: each returns the
 * user's own string when it is valid and the message when it is not, so the
 * editor underlines the bad string with the message.
 *
 * @example
 * function tensor<const Sizes extends Record<string, number>, const S extends string>(
 *   dims: Dims<Sizes>, spec: ValidateDimsIn<S, Sizes>): Tensor<S>;
 */
import type { Dims } from "../dims.ts";
import type { writeUnknownDimMessage } from "../messages/dims.ts";
import type { DimsError } from "../parseDims.ts";
import type { ParseDims } from "./dimsString.ts";

/** Pass `S` through when `Error` is `never`, else give `Error` (the message). */
type OrMessage<S extends string, Error extends string> = [Error] extends [never] ? S : Error;

/** `S` when it is a valid dims string (names, each once), else the message `parseDims` throws. */
export type ValidateDims<S extends string> = OrMessage<S, DimsError<S>>;

type UnknownDimLoop<Names extends string[], Spec extends string, Declared> = Names extends [
  infer Head extends string,
  ...infer Rest extends string[],
]
  ? Head extends Declared
    ? UnknownDimLoop<Rest, Spec, Declared>
    : writeUnknownDimMessage<Head, Spec>
  : never;

/**
 * The first fault of the dims string `S` against the declared `Sizes`, or
 * `never`: a bad name or a repeat (as `parseDims`), then an undeclared name
 * (as `Dims.shape`), in the order the runtime checks them. Against dims whose
 * names the types do not know (`Dims`, as a layer generic over its dims holds
 * them) nothing is checked, so a spec built from type parameters passes.
 */
export type DimsInError<S extends string, Sizes extends Record<string, number>> =
  string extends keyof Sizes ? never : DimsError<S> extends infer Syntax extends string
    ? [Syntax] extends [never]
      ? string extends S
        ? never
        : UnknownDimLoop<ParseDims<S>, S, keyof Sizes>
      : Syntax
    : never;

/**
 * `S` when every name of the dims string `S` is declared in `Sizes` and none is
 * repeated, else the message. Use it as a parameter type: `spec: ValidateDimsIn<S, Sizes>`.
 */
export type ValidateDimsIn<S extends string, Sizes extends Record<string, number>> = OrMessage<S, DimsInError<S, Sizes>>;

/**
 * Runtime twin of {@link ValidateDimsIn}: the names of `spec` with their
 * declared sizes, or a `MeshtypeError` with the same message as the type.
 */
export function validateDimsIn(dims: Dims, spec: string): ReturnType<Dims["shape"]> {
  return dims.shape(spec);
}
