/**
 * Messages about `mesh({...})` declarations and mesh axes. Each message exists
 * once, as a function and a type of the same name, with the same text.
 */

/** A key of `mesh({...})` that is not a name. */
export function writeBadAxisNameMessage(name: string): string {
  return `mesh({...}) declares "${name}", which is not a mesh axis name. Use letters, digits and _ (not starting with a digit).`;
}
/** Type twin of {@link writeBadAxisNameMessage}. */
export type writeBadAxisNameMessage<Name extends string> =
  `mesh({...}) declares "${Name}", which is not a mesh axis name. Use letters, digits and _ (not starting with a digit).`;

/** A size in `mesh({...})` that is not a positive integer. */
export function writeBadAxisSizeMessage(name: string, size: number): string {
  return `Mesh axis "${name}" has size ${size}; an axis size is a positive integer. Give ${name} a whole number of devices of at least 1.`;
}
/** Type twin of {@link writeBadAxisSizeMessage}. */
export type writeBadAxisSizeMessage<
  Name extends string,
  Size extends number,
> = `Mesh axis "${Name}" has size ${Size}; an axis size is a positive integer. Give ${Name} a whole number of devices of at least 1.`;

/** A lookup of an axis the mesh does not have (run time only: `mesh` is the mesh, printed). */
export function writeMeshUnknownAxisMessage(name: string, mesh: string, axes: string): string {
  return `Unknown mesh axis "${name}" in ${mesh}. The mesh has axes: ${axes}. Fix the spelling or add "${name}" to mesh({...}).`;
}
/** Type twin of {@link writeMeshUnknownAxisMessage}. */
export type writeMeshUnknownAxisMessage<
  Name extends string,
  Mesh extends string,
  Axes extends string,
> = `Unknown mesh axis "${Name}" in ${Mesh}. The mesh has axes: ${Axes}. Fix the spelling or add "${Name}" to mesh({...}).`;
