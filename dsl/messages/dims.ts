/**
 * Messages about dims strings and `dims({...})` declarations. Each message
 * exists once, as a function (used by the runtime) and a type of the same name
 * (used by the type-level validators), with the same text, so the editor and
 * the run-time error read alike. Tests pin both against one table.
 */

/** A name in a dims string that is not an identifier. */
export function writeBadDimNameMessage(name: string, spec: string): string {
  return `"${name}" in dims "${spec}" is not a dim name. Use letters, digits and _ (not starting with a digit), separated by spaces.`;
}
/** Type twin of {@link writeBadDimNameMessage}. */
export type writeBadDimNameMessage<
  Name extends string,
  Spec extends string,
> = `"${Name}" in dims "${Spec}" is not a dim name. Use letters, digits and _ (not starting with a digit), separated by spaces.`;

/** A dims string that names one dim twice (`"a a"`). */
export function writeRepeatedDimMessage(name: string, spec: string): string {
  return `Dim "${name}" appears twice in "${spec}". A tensor has each dim once; rename one of them (e.g. "${name}_2").`;
}
/** Type twin of {@link writeRepeatedDimMessage}. */
export type writeRepeatedDimMessage<
  Name extends string,
  Spec extends string,
> = `Dim "${Name}" appears twice in "${Spec}". A tensor has each dim once; rename one of them (e.g. "${Name}_2").`;

/** A dims string that uses a name the `dims({...})` declaration does not have. */
export function writeUnknownDimMessage(name: string, spec: string): string {
  return `Unknown dim "${name}" in "${spec}": it is not declared in dims({...}). Fix the spelling, or declare ${name} with its size in dims({...}).`;
}
/** Type twin of {@link writeUnknownDimMessage}. */
export type writeUnknownDimMessage<
  Name extends string,
  Spec extends string,
> = `Unknown dim "${Name}" in "${Spec}": it is not declared in dims({...}). Fix the spelling, or declare ${Name} with its size in dims({...}).`;

/** A key of `dims({...})` that is not a name. */
export function writeBadDeclaredDimNameMessage(name: string): string {
  return `dims({...}) declares "${name}", which is not a dim name. Use letters, digits and _ (not starting with a digit).`;
}
/** Type twin of {@link writeBadDeclaredDimNameMessage}. */
export type writeBadDeclaredDimNameMessage<Name extends string> =
  `dims({...}) declares "${Name}", which is not a dim name. Use letters, digits and _ (not starting with a digit).`;

/** A size in `dims({...})` that is not a positive integer. */
export function writeBadDimSizeMessage(name: string, size: number): string {
  return `Dim "${name}" has size ${size}; a size is a positive integer. Give ${name} a whole number of elements of at least 1.`;
}
/** Type twin of {@link writeBadDimSizeMessage}. */
export type writeBadDimSizeMessage<
  Name extends string,
  Size extends number,
> = `Dim "${Name}" has size ${Size}; a size is a positive integer. Give ${Name} a whole number of elements of at least 1.`;
