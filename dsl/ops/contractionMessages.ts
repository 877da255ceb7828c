/**
 * The messages of broadcasting (binary ops) and `dot`, each written once as a
 * function and a type of the same name (like messages.ts): the run-time shape
 * rules and the type-level rules give the same text.
 */

/** A binary op whose operands each have a dim the other lacks: the result would be an outer product. */
export type writeOuterNeededMessage<Op extends string, First extends string, FirstDim extends string, Second extends string, SecondDim extends string> =
  `${Op}: ${First} and ${Second} each have a dim the other lacks ("${FirstDim}", "${SecondDim}"). Write ${Op}.outer(a, b) for an outer product, or give one operand only dims of the other.`;
/** A binary op whose operands each have a dim the other lacks: the result would be an outer product. */
export function writeOuterNeededMessage<Op extends string, First extends string, FirstDim extends string, Second extends string, SecondDim extends string>(
  op: Op, first: First, firstDim: FirstDim, second: Second, secondDim: SecondDim,
): writeOuterNeededMessage<Op, First, FirstDim, Second, SecondDim> {
  return `${op}: ${first} and ${second} each have a dim the other lacks ("${firstDim}", "${secondDim}"). Write ${op}.outer(a, b) for an outer product, or give one operand only dims of the other.` as const;
}

/** `alignAs(y, like)` with y's dims not those of `like` (in some order). */
export type writeAlignMismatchMessage<Y extends string, Like extends string> =
  `alignAs: ${Y} does not have the dims of ${Like}. Give it exactly those dims, in any order.`;
/** `alignAs(y, like)` with y's dims not those of `like` (in some order). */
export function writeAlignMismatchMessage<Y extends string, Like extends string>(y: Y, like: Like): writeAlignMismatchMessage<Y, Like> {
  return `alignAs: ${y} does not have the dims of ${like}. Give it exactly those dims, in any order.` as const;
}

/** `dot` sums over a dim that one of its operands does not have. */
export type writeDotMissingDimMessage<Dim extends string, Desc extends string> =
  `dot: "${Dim}" is summed, but ${Desc} has no dim "${Dim}". Sum only dims that both tensors have, or fix the spelling.`;
/** `dot` sums over a dim that one of its operands does not have. */
export function writeDotMissingDimMessage<Dim extends string, Desc extends string>(dim: Dim, tensor: Desc): writeDotMissingDimMessage<Dim, Desc> {
  return `dot: "${dim}" is summed, but ${tensor} has no dim "${dim}". Sum only dims that both tensors have, or fix the spelling.` as const;
}
