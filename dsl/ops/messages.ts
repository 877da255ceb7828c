/**
 * Every user-facing message of the op shape rules, each written once as a
 * function and a type of the same name (ArkType's `writeXMessage` habit).
 * The function's return type is the type, so tsc proves the run-time text and
 * the editor text agree. Run time passes a tensor described with its label and
 * sizes (`tensor "x" [a=2, b=3]`); the types pass `Tensor<"a b">`.
 */

/** `op` was asked for a dim that `tensor` does not have. */
export type writeOpUnknownDimMessage<Op extends string, Dim extends string, Desc extends string> =
  `${Op}: ${Desc} has no dim "${Dim}". Use one of its dims, or fix the spelling.`;
/** `op` was asked for a dim that `tensor` does not have. */
export function writeOpUnknownDimMessage<Op extends string, Dim extends string, Desc extends string>(
  op: Op, dim: Dim, tensor: Desc,
): writeOpUnknownDimMessage<Op, Dim, Desc> {
  return `${op}: ${tensor} has no dim "${dim}". Use one of its dims, or fix the spelling.` as const;
}

/** `op` would give `tensor` a dim that it already has. */
export type writeOpDimExistsMessage<Op extends string, Dim extends string, Desc extends string> =
  `${Op}: ${Desc} already has a dim "${Dim}". Pick another name, or rename the existing dim first.`;
/** `op` would give `tensor` a dim that it already has. */
export function writeOpDimExistsMessage<Op extends string, Dim extends string, Desc extends string>(
  op: Op, dim: Dim, tensor: Desc,
): writeOpDimExistsMessage<Op, Dim, Desc> {
  return `${op}: ${tensor} already has a dim "${dim}". Pick another name, or rename the existing dim first.` as const;
}

/** A dims list given to `op` names `dim` twice. */
export type writeOpRepeatedDimMessage<Op extends string, Dim extends string, Spec extends string> =
  `${Op}: dim "${Dim}" is listed twice in "${Spec}". List each dim once.`;
/** A dims list given to `op` names `dim` twice. */
export function writeOpRepeatedDimMessage<Op extends string, Dim extends string, Spec extends string>(
  op: Op, dim: Dim, spec: Spec,
): writeOpRepeatedDimMessage<Op, Dim, Spec> {
  return `${op}: dim "${dim}" is listed twice in "${spec}". List each dim once.` as const;
}

/** A dims list given to `op` is empty. */
export type writeOpNoDimsMessage<Op extends string, Desc extends string> =
  `${Op}: no dims listed for ${Desc}. List at least one of its dims.`;
/** A dims list given to `op` is empty. */
export function writeOpNoDimsMessage<Op extends string, Desc extends string>(op: Op, tensor: Desc): writeOpNoDimsMessage<Op, Desc> {
  return `${op}: no dims listed for ${tensor}. List at least one of its dims.` as const;
}

/** An einsum output dim is in no input. `inputs` describes the inputs, comma-separated. */
export type writeEinsumStrayDimMessage<Dim extends string, Out extends string, Inputs extends string> =
  `einsum: output dim "${Dim}" of "${Out}" is in no input (${Inputs}). Use only dims of the inputs, or fix the spelling.`;
/** An einsum output dim is in no input. `inputs` describes the inputs, comma-separated. */
export function writeEinsumStrayDimMessage<Dim extends string, Out extends string, Inputs extends string>(
  dim: Dim, out: Out, inputs: Inputs,
): writeEinsumStrayDimMessage<Dim, Out, Inputs> {
  return `einsum: output dim "${dim}" of "${out}" is in no input (${inputs}). Use only dims of the inputs, or fix the spelling.` as const;
}

/** A transpose leaves out a dim of the tensor. */
export type writeNotPermutationMessage<Spec extends string, Dim extends string, Desc extends string> =
  `transpose: "${Spec}" leaves out dim "${Dim}" of ${Desc}. List every dim of the tensor once, in the new order.`;
/** A transpose leaves out a dim of the tensor. */
export function writeNotPermutationMessage<Spec extends string, Dim extends string, Desc extends string>(
  spec: Spec, dim: Dim, tensor: Desc,
): writeNotPermutationMessage<Spec, Dim, Desc> {
  return `transpose: "${spec}" leaves out dim "${dim}" of ${tensor}. List every dim of the tensor once, in the new order.` as const;
}

/** The sizes object of a splitDim names a dim that is not one of the new dims. */
export type writeSplitSizeKeyMessage<Key extends string, Names extends string> =
  `splitDim: the sizes give "${Key}", which is not one of the new dims "${Names}". Give sizes only for the new dims.`;
/** The sizes object of a splitDim names a dim that is not one of the new dims. */
export function writeSplitSizeKeyMessage<Key extends string, Names extends string>(
  key: Key, names: Names,
): writeSplitSizeKeyMessage<Key, Names> {
  return `splitDim: the sizes give "${key}", which is not one of the new dims "${names}". Give sizes only for the new dims.` as const;
}

/** The sizes object of a splitDim leaves out more than one new dim. */
export type writeSplitMissingSizesMessage<First extends string, Second extends string, Names extends string> =
  `splitDim: the sizes leave out both "${First}" and "${Second}" of "${Names}". Give every size but at most one.`;
/** The sizes object of a splitDim leaves out more than one new dim. */
export function writeSplitMissingSizesMessage<First extends string, Second extends string, Names extends string>(
  first: First, second: Second, names: Names,
): writeSplitMissingSizesMessage<First, Second, Names> {
  return `splitDim: the sizes leave out both "${first}" and "${second}" of "${names}". Give every size but at most one.` as const;
}

/** gather's result would have `dim` twice: it is a dim of the ids and of the table (other than the looked-up dim). */
export type writeGatherClashMessage<Dim extends string, Ids extends string, Table extends string> =
  `gather: dim "${Dim}" is in both the ids ${Ids} and the table ${Table}, so the result would have it twice. Rename it in one of them.`;
/** gather's result would have `dim` twice: it is a dim of the ids and of the table (other than the looked-up dim). */
export function writeGatherClashMessage<Dim extends string, Ids extends string, Table extends string>(
  dim: Dim, ids: Ids, table: Table,
): writeGatherClashMessage<Dim, Ids, Table> {
  return `gather: dim "${dim}" is in both the ids ${ids} and the table ${table}, so the result would have it twice. Rename it in one of them.` as const;
}

/** Two tensors give one dim name two sizes. Run time only (the types do not carry sizes). */
export function writeSizeMismatchMessage(op: string, dim: string, first: string, firstSize: number, second: string, secondSize: number): string {
  return (
    `${op}: dim "${dim}" has size ${firstSize} in ${first} but ${secondSize} in ${second}. ` +
    `A dim name has one size: declare both tensors from the same dims({...}), or rename one of the dims.`
  );
}

/** `op` takes one dim name but got something else (several names, or none). */
export type writeOneDimMessage<Op extends string, Got extends string> =
  `${Op}: expected one dim name but got "${Got}". Pass a single name such as "seq".`;
/** `op` takes one dim name but got something else (several names, or none). */
export function writeOneDimMessage<Op extends string, Got extends string>(op: Op, got: Got): writeOneDimMessage<Op, Got> {
  return `${op}: expected one dim name but got "${got}". Pass a single name such as "seq".` as const;
}

/** The tensors given to concat do not all have the same dims in the same order. `Inputs` describes them. */
export type writeConcatDimsDifferMessage<Dim extends string, Inputs extends string> =
  `concat along "${Dim}": the inputs have different dims (${Inputs}). Give them the same dims in the same order: transpose them first.`;
/** The tensors given to concat do not all have the same dims in the same order. `Inputs` describes them. */
export function writeConcatDimsDifferMessage<Dim extends string, Inputs extends string>(dim: Dim, inputs: Inputs): writeConcatDimsDifferMessage<Dim, Inputs> {
  return `concat along "${dim}": the inputs have different dims (${inputs}). Give them the same dims in the same order: transpose them first.` as const;
}

/** `op` would put two dims of one tensor on one mesh axis. */
export type writeRelayoutAxisReusedMessage<Op extends string, Spec extends string, Desc extends string, First extends string, Second extends string, Axis extends string> =
  `${Op} "${Spec}" puts two dims of ${Desc}, "${First}" and "${Second}", on mesh axis "${Axis}". A tensor can split only one dim over an axis: move one of them to another axis or leave it replicated.`;
/** `op` would put two dims of one tensor on one mesh axis. */
export function writeRelayoutAxisReusedMessage<Op extends string, Spec extends string, Desc extends string, First extends string, Second extends string, Axis extends string>(
  op: Op, spec: Spec, tensor: Desc, first: First, second: Second, axis: Axis,
): writeRelayoutAxisReusedMessage<Op, Spec, Desc, First, Second, Axis> {
  return `${op} "${spec}" puts two dims of ${tensor}, "${first}" and "${second}", on mesh axis "${axis}". A tensor can split only one dim over an axis: move one of them to another axis or leave it replicated.` as const;
}
