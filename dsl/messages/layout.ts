/**
 * Messages about layout strings and about tensors placed under a layout. Each
 * message exists once, as a function (used by the runtime) and a type of the
 * same name (used by the type-level validators), with the same text.
 */

/** A part of a layout string that is not `dim:axis`. */
export function writeLayoutSyntaxMessage(part: string, spec: string): string {
  return `Cannot read "${part}" in layout "${spec}". Write each rule as dim:axis or dim:(axis, axis) (major axis first), separated by commas, e.g. "batch:(data, fsdp), d_ff:model".`;
}
/** Type twin of {@link writeLayoutSyntaxMessage}. */
export type writeLayoutSyntaxMessage<
  Part extends string,
  Spec extends string,
> = `Cannot read "${Part}" in layout "${Spec}". Write each rule as dim:axis or dim:(axis, axis) (major axis first), separated by commas, e.g. "batch:(data, fsdp), d_ff:model".`;

/** A layout string with two rules for one dim. */
export function writeLayoutRepeatedDimMessage(dim: string, spec: string, first: string, second: string): string {
  return `Dim "${dim}" is listed twice in layout "${spec}" (on "${first}" and on "${second}"). Keep one rule for "${dim}".`;
}
/** Type twin of {@link writeLayoutRepeatedDimMessage}. */
export type writeLayoutRepeatedDimMessage<
  Dim extends string,
  Spec extends string,
  First extends string,
  Second extends string,
> = `Dim "${Dim}" is listed twice in layout "${Spec}" (on "${First}" and on "${Second}"). Keep one rule for "${Dim}".`;

/** A layout rule that names one mesh axis twice, e.g. `"batch:(data, data)"`. */
export function writeLayoutRepeatedAxisMessage(dim: string, axis: string, spec: string): string {
  return `Mesh axis "${axis}" is listed twice in the rule for "${dim}" in layout "${spec}". A dim is split over each axis at most once: keep one "${axis}".`;
}
/** Type twin of {@link writeLayoutRepeatedAxisMessage}. */
export type writeLayoutRepeatedAxisMessage<
  Dim extends string,
  Axis extends string,
  Spec extends string,
> = `Mesh axis "${Axis}" is listed twice in the rule for "${Dim}" in layout "${Spec}". A dim is split over each axis at most once: keep one "${Axis}".`;

/** A layout rule for a dim that `dims({...})` does not declare. */
export function writeLayoutUnknownDimMessage(dim: string, spec: string): string {
  return `Layout "${spec}" names dim "${dim}", which is not declared in dims({...}). Fix the spelling, or declare ${dim} with its size in dims({...}).`;
}
/** Type twin of {@link writeLayoutUnknownDimMessage}. */
export type writeLayoutUnknownDimMessage<
  Dim extends string,
  Spec extends string,
> = `Layout "${Spec}" names dim "${Dim}", which is not declared in dims({...}). Fix the spelling, or declare ${Dim} with its size in dims({...}).`;

/** A layout rule that puts a dim on an axis the mesh does not have. */
export function writeUnknownAxisMessage(dim: string, axis: string, spec: string): string {
  return `Unknown mesh axis "${axis}" in layout "${spec}" (the rule for "${dim}"): the mesh has no such axis. Fix the spelling, or add ${axis} with its size to mesh({...}).`;
}
/** Type twin of {@link writeUnknownAxisMessage}. */
export type writeUnknownAxisMessage<
  Dim extends string,
  Axis extends string,
  Spec extends string,
> = `Unknown mesh axis "${Axis}" in layout "${Spec}" (the rule for "${Dim}"): the mesh has no such axis. Fix the spelling, or add ${Axis} with its size to mesh({...}).`;

/** A tensor (named by `what`) that puts two of its dims on one mesh axis. */
export function writeAxisReusedMessage(what: string, first: string, second: string, axis: string, spec: string): string {
  return `${what} puts two of its dims, "${first}" and "${second}", on mesh axis "${axis}" under layout "${spec}". A tensor can split only one dim over an axis: move one of them to another axis or leave it replicated.`;
}
/** Type twin of {@link writeAxisReusedMessage}. */
export type writeAxisReusedMessage<
  What extends string,
  First extends string,
  Second extends string,
  Axis extends string,
  Spec extends string,
> = `${What} puts two of its dims, "${First}" and "${Second}", on mesh axis "${Axis}" under layout "${Spec}". A tensor can split only one dim over an axis: move one of them to another axis or leave it replicated.`;

/**
 * How the indivisibility message says which axes fail to divide a dim:
 * `mesh axis "model" (size 2) does not divide` for one axis, `mesh axes
 * (data, fsdp) (8 devices) do not divide` for several (major first, as the
 * rule writes them).
 */
export function writeNotDividedBy(axes: readonly string[], devices: number): string {
  return axes.length === 1 ? `mesh axis "${axes[0]}" (size ${devices}) does not divide` : `mesh axes (${axes.join(", ")}) (${devices} devices) do not divide`;
}
/** Type twin of {@link writeNotDividedBy}: `Axes` is the axes as written, joined with ", "; `Many` whether there are several. */
export type writeNotDividedBy<Axes extends string, Many extends boolean, Devices extends number> = Many extends true
  ? `mesh axes (${Axes}) (${Devices} devices) do not divide`
  : `mesh axis "${Axes}" (size ${Devices}) does not divide`;

/**
 * A dim (of a tensor or of the layout's dims, named by `what`) whose size the
 * mesh axes it is split over (`notDivided`, from {@link writeNotDividedBy}; their
 * product is `devices`) do not divide. The fix names the opt-in for an uneven
 * split, `dim:padded(axes)`.
 */
export function writeIndivisibleMessage(
  what: string,
  dim: string,
  size: number,
  notDivided: string,
  axes: string,
  devices: number,
  spec: string,
): string {
  return `${what}: dim "${dim}" has size ${size}, which ${notDivided}. Either change the layout "${spec}" to leave "${dim}" replicated or put it on other axes, make ${dim} a multiple of ${devices}, or split it unevenly with "${dim}:padded(${axes})" (every shard is padded to the size of the largest).`;
}
/** Type twin of {@link writeIndivisibleMessage}. */
export type writeIndivisibleMessage<
  What extends string,
  Dim extends string,
  Size extends number,
  NotDivided extends string,
  Axes extends string,
  Devices extends number,
  Spec extends string,
> = `${What}: dim "${Dim}" has size ${Size}, which ${NotDivided}. Either change the layout "${Spec}" to leave "${Dim}" replicated or put it on other axes, make ${Dim} a multiple of ${Devices}, or split it unevenly with "${Dim}:padded(${Axes})" (every shard is padded to the size of the largest).`;

/** How `layout()` names itself in {@link writeIndivisibleMessage}. */
export function writeLayoutWhat(spec: string): string {
  return `Layout "${spec}"`;
}
/** Type twin of {@link writeLayoutWhat}. */
export type writeLayoutWhat<Spec extends string> = `Layout "${Spec}"`;
