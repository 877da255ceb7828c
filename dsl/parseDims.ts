import { MeshtypeError } from "./errors.ts";
import { writeBadDimNameMessage, writeRepeatedDimMessage } from "./messages/dims.ts";
import type { ParseDims } from "./types/dimsString.ts";
import { isName, type IsName } from "./types/names.ts";

/**
 * Parse a dims string such as `"batch seq d_model"` into its names.
 * Names are identifiers (`[A-Za-z_][A-Za-z0-9_]*`) separated by single or
 * repeated spaces; an empty string is a scalar (no dims). A repeated name is an error.
 *
 * Runtime twin of the type-level {@link DimsError} (below): both report the
 * first fault, in the same order, with the same message.
 */
export function parseDims(spec: string): string[] {
  const names = spec.split(" ").filter((part) => part !== "");
  const seen = new Set<string>();
  for (const name of names) {
    if (!isName(name)) throw new MeshtypeError("bad-dim-name", writeBadDimNameMessage(name, spec));
    if (seen.has(name)) throw new MeshtypeError("repeated-dim", writeRepeatedDimMessage(name, spec));
    seen.add(name);
  }
  return names;
}

type DimsErrorLoop<Names extends string[], Spec extends string, Seen extends string = never> = Names extends [
  infer Head extends string,
  ...infer Rest extends string[],
]
  ? IsName<Head> extends false
    ? writeBadDimNameMessage<Head, Spec>
    : [Head] extends [Seen]
      ? writeRepeatedDimMessage<Head, Spec>
      : DimsErrorLoop<Rest, Spec, Seen | Head>
  : never;

/**
 * Type-level twin of {@link parseDims}: the message `parseDims(S)` would throw,
 * or `never` when `S` is a valid dims string. A non-literal `string` is never an error.
 *
 * @example
 * type E = DimsError<"batch batch">; // 'Dim "batch" appears twice in "batch batch". ...'
 */
export type DimsError<S extends string> = string extends S ? never : DimsErrorLoop<ParseDims<S>, S>;
