/**
 * Einsums as torch's matrix products on views, where the dims' order allows it: at the small sizes of a training
 * step, `torch.einsum` costs several times the product itself (it permutes, reshapes, clones and calls bmm, each a
 * dispatch), while `torch.mm` on reshaped views is one call.
 *
 * A two-operand einsum's dims are batch (in both operands and the output), contracted (in both, not the output),
 * left-free (the left operand and the output) and right-free (the right one and the output). Each operand becomes a
 * matrix, or a stack of matrices over the batch dims: its batch dims first (in the output's order), then its other
 * dims as two blocks (rows, columns), reshaped to one dim each; an operand whose blocks lie the other way round in
 * memory is reshaped so and transposed (`.t()`, free for BLAS). The product is `torch.mm` (no batch dims),
 * `torch.bmm` (one) or `torch.matmul` (several, which merges them as einsum does), viewed back to the dims and
 * permuted into the output's order when that differs; the operands are swapped when that gives the output's order
 * directly. Every reshape is a view unless the operand's dims cannot be brought into blocks without a copy, and then
 * it is the copy torch.einsum makes too. One copy more: a right operand of `copyTransposedFrom` elements or more whose
 * matrix is a transposed view is copied row-major (`.contiguous()`), as torch.einsum's reshape does for weights of
 * several dims: a BLAS without a fast kernel for a transposed right operand (torch 1.13's generic CPU BLAS) takes up
 * to twice as long with the view (512x256 times a transposed 256x256: 42 ms, against 22 ms copied), and below some
 * 4096 elements the copy costs more than it saves. A one-operand einsum is a `torch.sum` and/or a permute.
 *
 * Not lowered (torch.einsum stays): more than two operands, a dim repeated in an operand or the output, a dim of only
 * one operand that the output lacks (einsum sums it), no contracted dim (an outer or element-wise product: peepholes.ts
 * and einsum do those), no free dim (dot products over the batch dims, a 0-d output among them).
 */
import type { Dim } from "../../../dsl/tensor.ts";
import { pythonTuple } from "./python.ts";

/** Elements of a right operand from which its transposed view is copied row-major first (see the file's comment). */
export const copyTransposedFrom = 4096;

/** Options of `lowerEinsum`. */
export interface LoweringOptions {
  /** Copy a right operand's transposed view from this many elements (default `copyTransposedFrom`). */
  readonly copyTransposedFrom?: number;
}

/** An einsum operand: the Python expression that holds it (postfix-safe: a name or a call) and its local dims in order. */
export interface EinsumOperand {
  readonly name: string;
  readonly dims: readonly Dim[];
}

/** The role of each dim of a two-operand einsum (dim names, each list in the order described). */
export interface ContractionDims {
  /** In both operands and the output, in the output's order. */
  readonly batch: readonly string[];
  /** In both operands and not the output, in the left operand's order. */
  readonly contracted: readonly string[];
  /** In the left operand and the output only, in the left operand's order. */
  readonly left: readonly string[];
  /** In the right operand and the output only, in the right operand's order. */
  readonly right: readonly string[];
}

function repeats(names: readonly string[]): boolean {
  return new Set(names).size !== names.length;
}

function product(sizes: readonly number[]): number {
  return sizes.reduce((total, size) => total * size, 1);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, index) => name === b[index]);
}

function isIdentity(order: readonly number[]): boolean {
  return order.every((position, index) => position === index);
}

/** `.permute(...)`, or `.transpose(i, j)` when the order swaps two dims only (one call, cheaper), or nothing. */
function permuteSuffix(order: readonly number[]): string {
  if (isIdentity(order)) return "";
  const moved = order.map((position, index) => (position === index ? -1 : index)).filter((index) => index >= 0);
  if (order.length === 2) return ".t()";
  if (moved.length === 2 && order[moved[0]] === moved[1]) return `.transpose(${moved[0]}, ${moved[1]})`;
  return `.permute${pythonTuple(order)}`;
}

/**
 * The batch, contracted and free dims of the einsum `left, right -> output` (dim names), or undefined when it is
 * not a matrix product: a dim repeated, a dim of one operand the output lacks, an output dim of neither operand.
 */
export function classifyContraction(left: readonly string[], right: readonly string[], output: readonly string[]): ContractionDims | undefined {
  if (repeats(left) || repeats(right) || repeats(output)) return undefined;
  if (output.some((name) => !left.includes(name) && !right.includes(name))) return undefined;
  if (left.some((name) => !right.includes(name) && !output.includes(name))) return undefined;
  if (right.some((name) => !left.includes(name) && !output.includes(name))) return undefined;
  return {
    batch: output.filter((name) => left.includes(name) && right.includes(name)),
    contracted: left.filter((name) => right.includes(name) && !output.includes(name)),
    left: left.filter((name) => !right.includes(name)),
    right: right.filter((name) => !left.includes(name)),
  };
}

function sameSizes(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((size, index) => size === b[index]);
}

/**
 * One operand as a matrix of `rows` x `columns` (each a block of its dims, merged into one dim), or a stack of
 * them over the `batch` dims (kept as they are: torch.matmul merges several as einsum does): its expression.
 */
function asMatrix(operand: EinsumOperand, batch: readonly string[], rows: readonly string[], columns: readonly string[], copyTransposed = false): string {
  const names = operand.dims.map((dim) => dim.name);
  const positions = (list: readonly string[]): number[] => list.map((name) => names.indexOf(name));
  const sizeOf = (name: string): number => operand.dims[names.indexOf(name)].size;
  const rest = names.filter((name) => !batch.includes(name));
  // the blocks as they lie in the operand: rows then columns, columns then rows (transposed after), or neither (a copy)
  const transposed = !sameList(rest, [...rows, ...columns]) && sameList(rest, [...columns, ...rows]);
  if (rows.length === 1 && columns.length === 1) {
    // no block to merge: one permute (or none) straight to [batch, rows, columns]
    const expression = `${operand.name}${permuteSuffix(positions([...batch, ...rows, ...columns]))}`;
    return copyTransposed && names.indexOf(columns[0]) < names.indexOf(rows[0]) ? `${expression}.contiguous()` : expression;
  }
  const first = transposed ? columns : rows;
  const second = transposed ? rows : columns;
  const target = [...batch.map(sizeOf), product(first.map(sizeOf)), product(second.map(sizeOf))];
  const layout = [...batch, ...first, ...second];
  let expression = `${operand.name}${permuteSuffix(positions(layout))}.reshape${pythonTuple(target)}`;
  if (transposed) expression += target.length === 2 ? ".t()" : `.transpose(${target.length - 2}, ${target.length - 1})`;
  return transposed && copyTransposed ? `${expression}.contiguous()` : expression;
}

/** The matrix product of `left` and `right` with the dims of `roles`; its dims in order (batch, left-free, right-free). */
function matrixProduct(left: EinsumOperand, right: EinsumOperand, roles: ContractionDims, copyFrom: number): { expression: string; dims: Dim[] } {
  const dimOf = (name: string): Dim => (left.dims.find((dim) => dim.name === name) ?? right.dims.find((dim) => dim.name === name)) as Dim;
  const a = asMatrix(left, roles.batch, roles.left, roles.contracted);
  const b = asMatrix(right, roles.batch, roles.contracted, roles.right, product(right.dims.map((dim) => dim.size)) >= copyFrom);
  const call = roles.batch.length === 0 ? "torch.mm" : roles.batch.length === 1 ? "torch.bmm" : "torch.matmul";
  const dims = [...roles.batch, ...roles.left, ...roles.right].map(dimOf);
  const sizes = (list: readonly string[]): number[] => list.map((name) => dimOf(name).size);
  const productShape = [...sizes(roles.batch), product(sizes(roles.left)), product(sizes(roles.right))];
  const shape = dims.map((dim) => dim.size);
  // the product is contiguous: a view always works
  const viewed = sameSizes(productShape, shape) ? "" : `.view${pythonTuple(shape)}`;
  return { expression: `${call}(${a}, ${b})${viewed}`, dims };
}

/** `left, right -> output` as a matrix product (see the file's comment), or undefined where torch.einsum stays. */
function lowerTwo(left: EinsumOperand, right: EinsumOperand, output: readonly string[], copyFrom: number): string | undefined {
  const roles = classifyContraction(left.dims.map((dim) => dim.name), right.dims.map((dim) => dim.name), output);
  // no contracted dim (an outer or element-wise product), or no free dim (a batched dot product): not a matmul
  if (roles === undefined || roles.contracted.length === 0 || (roles.left.length === 0 && roles.right.length === 0)) return undefined;
  const straight = matrixProduct(left, right, roles, copyFrom);
  const swappedRoles = classifyContraction(right.dims.map((dim) => dim.name), left.dims.map((dim) => dim.name), output) as ContractionDims;
  // both products contract in the left operand's order of the contracted dims
  const swapped = matrixProduct(right, left, { ...swappedRoles, contracted: roles.contracted }, copyFrom);
  // the one whose result is in the output's order already, or needs the cheaper reorder (a transpose over a permute)
  const finished = [straight, swapped].map((candidate) => {
    const reorder = permuteSuffix(output.map((name) => candidate.dims.findIndex((dim) => dim.name === name)));
    return { expression: `${candidate.expression}${reorder}`, cost: reorder === "" ? 0 : reorder.startsWith(".permute") ? 2 : 1 };
  });
  return finished[1].cost < finished[0].cost ? finished[1].expression : finished[0].expression;
}

/** A one-operand einsum as `torch.sum` over the dims the output lacks and/or a permute, or undefined. */
function lowerOne(operand: EinsumOperand, output: readonly string[]): string | undefined {
  const names = operand.dims.map((dim) => dim.name);
  if (repeats(names) || repeats(output) || output.some((name) => !names.includes(name))) return undefined;
  const summed = names.map((name, index) => (output.includes(name) ? -1 : index)).filter((index) => index >= 0);
  const kept = names.filter((name) => output.includes(name));
  const reorder = permuteSuffix(output.map((name) => kept.indexOf(name)));
  if (summed.length === 0) return `${operand.name}${reorder}`;
  const sum = summed.length === names.length ? `torch.sum(${operand.name})` : `torch.sum(${operand.name}, dim=${pythonTuple(summed)})`;
  return `${sum}${reorder}`;
}

/**
 * The einsum of `operands` into `output` (dim names) as torch matrix products, sums and views on the operands'
 * local dims, or undefined where it stays a `torch.einsum` (see the file's comment for which).
 */
export function lowerEinsum(operands: readonly EinsumOperand[], output: readonly string[], options: LoweringOptions = {}): string | undefined {
  if (operands.length === 1) return lowerOne(operands[0], output);
  if (operands.length === 2) return lowerTwo(operands[0], operands[1], output, options.copyTransposedFrom ?? copyTransposedFrom);
  return undefined;
}
