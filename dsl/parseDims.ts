import { MeshtypeError } from "./errors.ts";

/**
 * Parse a dims string such as `"batch seq d_model"` into its names.
 * Names are identifiers (`[A-Za-z_][A-Za-z0-9_]*`) separated by single or
 * repeated spaces; an empty string is a scalar (no dims). A repeated name is an error.
 *
 * Runtime twin of the type-level `ParseDims` (added beside it).
 */
export function parseDims(spec: string): string[] {
  const names = spec.split(" ").filter((part) => part !== "");
  const seen = new Set<string>();
  for (const name of names) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new MeshtypeError(
        "bad-dim-name",
        `"${name}" in dims "${spec}" is not a dim name. Use letters, digits and _ (not starting with a digit), separated by spaces.`,
      );
    }
    if (seen.has(name)) {
      throw new MeshtypeError(
        "repeated-dim",
        `Dim "${name}" appears twice in "${spec}". A tensor has each dim once; rename one of them (e.g. "${name}_2").`,
      );
    }
    seen.add(name);
  }
  return names;
}
