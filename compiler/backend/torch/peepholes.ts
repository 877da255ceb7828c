/**
 * Peepholes of the torch back end: ops whose result the compiler knows, or
 * that compute an operand unchanged, emitted as less work.
 *
 * - `x * 1`, `1 * x`, `x / 1`, `x + 0`, `0 + x`, `x - 0` are `x` (an alias: no
 *   line at all; AdamW's `p * (1 - lr * wd)` with no weight decay).
 * - Tensors of one value (`full`) and what element-wise ops and broadcasting
 *   einsums make of them (`neg(full(1)) * 0.03125`) are computed here, in
 *   float32 as torch computes them, and emitted as one `torch.full`.
 * - A binary op with such an operand (one value everywhere) and another
 *   operand of the output's layout uses that value as a Python scalar.
 * - An einsum of a tensor and a tensor of one value c that contracts nothing
 *   (autodiff's broadcast: `einsum("bs,m->bsm", x, ones)`) is the tensor
 *   broadcast (`x[:, :, None].expand(1, 8, 16)`), times c unless c is 1.
 * - An einsum of one operand that only sums dims (`einsum("bsm->m", x)`) is
 *   `torch.sum` over them, and one of two operands with the same dims that
 *   multiplies them and sums (`einsum("bsm,bsm->bs", a, b)`, a layer norm's
 *   backward) is `torch.sum(a * b, dim=...)`: the same sum of products, a
 *   fraction of torch.einsum's cost per call.
 * - `x + oneHot(ids) ⊙ c` (a cross-entropy's backward: the picked logits'
 *   cotangent written at the targets, added to the softmax's) is one
 *   scatter-add of c into x at the ids (`mt.scatter_into`): no one-hot over
 *   the vocabulary, no tensor of zeros.
 * - The tensors of one value nothing reads any more are not emitted.
 *
 * Each rewrite computes what the op computed (an alias is the same tensor),
 * so every rank's results are unchanged. The generated code never writes a
 * tensor in place; a back end that did would have to treat an alias and its
 * source as one tensor.
 */
import type { Block, Op, Program, Value, ValueId, ValueTree } from "../../ir/ir.ts";
import { isLoop, loopYields } from "../../ir/opAttrs.ts";
import { alignTo, type TorchOperand } from "./emitTorchOp.ts";
import { fuseUpdates, readCounts, type FusedOp } from "./fusedOps.ts";
import { oneHotScatter, type OneHotSource } from "./oneHotContractions.ts";
import { pythonNumber, pythonTuple } from "./python.ts";

/** What the back end emits for an op instead of the op itself. */
export type Peephole =
  /** The op computes its operand `of` unchanged: no line; the output's name is the operand's. */
  | { readonly kind: "alias"; readonly of: ValueId }
  /** The op (in place of the original one) to emit: a `full` of the computed value, or a binary op with a scalar. */
  | { readonly kind: "op"; readonly op: Op }
  /** An einsum that broadcasts `operand` to the output's dims, times `factor`. */
  | { readonly kind: "broadcast"; readonly operand: ValueId; readonly factor: number }
  /** An einsum of two operands with the same dims: their element-wise product, summed over `dims` (positions in `left`). */
  | { readonly kind: "productSum"; readonly left: ValueId; readonly right: ValueId; readonly dims: readonly number[] }
  /** `a + b * c` as one torch call (fusedOps.ts). */
  | { readonly kind: "fused"; readonly fused: FusedOp }
  /** `into + oneHot(ids) ⊙ values` (the einsum `scatter`, absorbed) as one scatter-add into `into` (oneHotContractions.ts). */
  | {
    readonly kind: "oneHotAdd"; readonly into: ValueId; readonly scatter: ValueId; readonly source: OneHotSource; readonly values: ValueId;
    /** The one value of `values` when it holds one value everywhere: written as a number, `values` not read. */
    readonly constant?: number;
  }
  /** An op a fused op computes as part of itself: no line. */
  | { readonly kind: "absorbed" };

/** What the rewritten op reads (the values that must exist before it runs). */
export function peepholeInputs(op: Op, rewrite: Peephole | undefined): readonly ValueId[] {
  switch (rewrite?.kind) {
    case undefined: return op.inputs;
    case "alias": return [rewrite.of];
    case "op": return rewrite.op.inputs;
    case "broadcast": return [rewrite.operand];
    case "productSum": return [rewrite.left, rewrite.right];
    case "fused": return rewrite.fused.inputs;
    case "oneHotAdd": return [rewrite.into, rewrite.source.ids, ...(rewrite.constant === undefined ? [rewrite.values] : [])];
    case "absorbed": return [];
  }
}

/** The peepholes of one program. */
export interface TorchPeepholes {
  /** By the output of the op they replace. */
  readonly rewrites: ReadonlyMap<ValueId, Peephole>;
  /** The outputs of alias rewrites, and what each is (one step: follow the map to the end). */
  readonly aliases: ReadonlyMap<ValueId, ValueId>;
  /** Values of one value that nothing reads once the rewrites apply: their ops are not emitted. */
  readonly unused: ReadonlySet<ValueId>;
}

/** What `torchPeepholes` needs to know of the back end. */
export interface PeepholeOptions {
  /** The torch dtype each value computes in (precision.ts); values of one value are folded in float32 only. */
  readonly dtypeOf: (id: ValueId) => string;
  /** Values no rewrite may read or replace (one-hots the back end never builds). */
  readonly opaque?: ReadonlySet<ValueId>;
  /** Values whose einsums the back end computes its own way (one-hots: oneHotContractions.ts): no einsum reading one becomes a sum. */
  readonly ownEinsums?: ReadonlySet<ValueId>;
  /** The one-hot values and what they are one-hots of (oneHotContractions.ts), for `x + oneHot(ids) ⊙ c` as one scatter-add. */
  readonly oneHots?: ReadonlyMap<ValueId, OneHotSource>;
}

const float32 = "torch.float32";
const fround = Math.fround;

function localDims(value: Value): readonly { readonly name: string; readonly size: number }[] {
  return value.localDims ?? value.dims;
}

function sameLayout(operand: Value, output: Value): boolean {
  const own = localDims(operand);
  const target = localDims(output);
  return own.length === target.length && own.every((dim, index) => dim.name === target[index].name && dim.size === target[index].size);
}

/** `a fn b` in float32 (each of + - * / and sqrt is correctly rounded in double, then once to float32: torch's float32 result). */
function binaryValue(fn: string, a: number, b: number): number | undefined {
  switch (fn) {
    case "add": return fround(a + b);
    case "sub": return fround(a - b);
    case "mul": return fround(a * b);
    case "div": return fround(a / b);
    case "maximum": return Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b);
    case "minimum": return Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b);
    default: return undefined;
  }
}

function unaryValue(fn: string, a: number): number | undefined {
  switch (fn) {
    case "neg": return -a;
    case "abs": return Math.abs(a);
    case "square": return fround(a * a);
    case "sqrt": return fround(Math.sqrt(a));
    case "reciprocal": return fround(1 / a);
    default: return undefined;
  }
}

/** Whether `op` (a binary op with a scalar) computes its operand unchanged. */
function isIdentity(op: Op): boolean {
  if (op.op !== "binary" || !op.scalar) return false;
  const { value, position } = op.scalar;
  if (op.fn === "mul") return value === 1;
  if (op.fn === "add") return value === 0;
  return position === 1 && ((op.fn === "div" && value === 1) || (op.fn === "sub" && value === 0));
}

function treeValues(tree: ValueTree, into: ValueId[]): void {
  if (tree.kind === "tensor") into.push(tree.value);
  else if (tree.kind === "array") tree.items.forEach((item) => treeValues(item, into));
  else Object.values(tree.fields).forEach((item) => treeValues(item, into));
}

/** The peepholes of a lowered `program` (see the module comment). */
export function torchPeepholes(program: Program, options: PeepholeOptions): TorchPeepholes {
  const { dtypeOf, opaque = new Set<ValueId>(), ownEinsums = new Set<ValueId>() } = options;
  const value = (id: ValueId): Value => {
    const found = program.values.get(id);
    if (!found) throw new Error(`torchPeepholes: %${id} is not defined in program "${program.name}"`);
    return found;
  };
  /** The one value of each tensor known to hold one value everywhere (float32). */
  const constants = new Map<ValueId, number>();
  const rewrites = new Map<ValueId, Peephole>();
  const aliases = new Map<ValueId, ValueId>();
  const full = (op: Op, result: number): void => {
    constants.set(op.output, result);
    rewrites.set(op.output, { kind: "op", op: { op: "full", value: result, inputs: [], output: op.output, loc: op.loc, ...(op.phase ? { phase: op.phase } : {}) } });
  };
  const alias = (op: Op, of: ValueId): void => {
    rewrites.set(op.output, { kind: "alias", of });
    aliases.set(op.output, of);
  };
  const visitOp = (op: Op): void => {
    if (opaque.has(op.output) || op.inputs.some((input) => opaque.has(input)) || dtypeOf(op.output) !== float32) return;
    const output = value(op.output);
    const known = op.inputs.map((input) => constants.get(input));
    if (op.op === "full") {
      constants.set(op.output, fround(op.value));
      return;
    }
    if (op.op === "unary" && known[0] !== undefined) {
      const result = unaryValue(op.fn, known[0]);
      if (result !== undefined) full(op, result);
      return;
    }
    if (op.op === "binary") {
      if (op.scalar && known[0] !== undefined) {
        const scalar = fround(op.scalar.value);
        const result = op.scalar.position === 1 ? binaryValue(op.fn, known[0], scalar) : binaryValue(op.fn, scalar, known[0]);
        if (result !== undefined) full(op, result);
        return;
      }
      let scalarOp: Op = op;
      if (!op.scalar) {
        if (known[0] !== undefined && known[1] !== undefined) {
          const result = binaryValue(op.fn, known[0], known[1]);
          if (result !== undefined) full(op, result);
          return;
        }
        // x op c, with c one value everywhere and x already of the output's layout: c as a Python scalar
        const side = known[1] !== undefined ? 1 : known[0] !== undefined ? 0 : undefined;
        if (side === undefined) return;
        const other = op.inputs[1 - side];
        if (!sameLayout(value(other), output) || dtypeOf(other) !== float32) return;
        scalarOp = { ...op, inputs: [other], scalar: { value: known[side] as number, position: side } };
        rewrites.set(op.output, { kind: "op", op: scalarOp });
      }
      if (isIdentity(scalarOp) && sameLayout(value(scalarOp.inputs[0]), output) && dtypeOf(scalarOp.inputs[0]) === float32) alias(op, scalarOp.inputs[0]);
      return;
    }
    if (op.op === "einsum") {
      const outNames = new Set(localDims(output).map((dim) => dim.name));
      const broadcasting = (id: ValueId): boolean => localDims(value(id)).every((dim) => outNames.has(dim.name));
      if (!op.inputs.every(broadcasting)) {
        summing(op, output);
        return;
      }
      if (known.every((item) => item !== undefined)) {
        full(op, (known as number[]).reduce((product, item) => fround(product * item), 1));
        return;
      }
      if (op.inputs.length !== 2) return;
      const side = known[1] !== undefined ? 1 : known[0] !== undefined ? 0 : undefined;
      if (side === undefined) return;
      const other = op.inputs[1 - side];
      if (dtypeOf(other) !== float32) return;
      const factor = known[side] as number;
      if (factor === 1 && sameLayout(value(other), output)) alias(op, other);
      else rewrites.set(op.output, { kind: "broadcast", operand: other, factor });
    }
  };
  /** An einsum that sums: `torch.sum` of its operand, or of the product of its two operands of the same dims. */
  const summing = (op: Op, output: Value): void => {
    if (op.inputs.some((input) => constants.has(input) || ownEinsums.has(input) || dtypeOf(input) !== float32)) return;
    const outNames = localDims(output).map((dim) => dim.name);
    const names = localDims(value(op.inputs[0])).map((dim) => dim.name);
    const kept = names.filter((name) => outNames.includes(name));
    // the sum keeps the operand's order: the output must be in it
    if (kept.length !== outNames.length || kept.some((name, index) => name !== outNames[index])) return;
    const summed = names.filter((name) => !outNames.includes(name));
    if (op.inputs.length === 1) {
      rewrites.set(op.output, { kind: "op", op: { op: "reduce", fn: "sum", dims: summed, inputs: op.inputs, output: op.output, loc: op.loc, ...(op.phase ? { phase: op.phase } : {}) } });
      return;
    }
    const [left, right] = op.inputs.map((input) => localDims(value(input)));
    const sameDims = op.inputs.length === 2 && left.length === right.length && left.every((dim) => right.some((other) => other.name === dim.name && other.size === dim.size));
    if (!sameDims) return;
    rewrites.set(op.output, { kind: "productSum", left: op.inputs[0], right: op.inputs[1], dims: summed.map((name) => names.indexOf(name)) });
  };
  const visit = (block: Block): void => {
    for (const statement of block) {
      if (isLoop(statement)) visit(statement.body);
      else visitOp(statement);
    }
  };
  visit(program.body);
  fuseOneHotAdds(program, rewrites, { dtypeOf, opaque, constants, oneHots: options.oneHots ?? new Map() });
  fuseUpdates(program, rewrites, { dtypeOf, opaque });
  return { rewrites, aliases, unused: unusedConstants(program, constants, rewrites, aliases) };
}

/**
 * `x + s` or `s + x` with `s = oneHot(ids) ⊙ values` a scatter-shaped einsum (oneHotContractions.ts) read only by
 * the add, in its block, and x of the add's layout: the add becomes a scatter-add of the values into x (a value
 * of one value as a number), the einsum no line. The one-hot's zeros add nothing, so each entry is x's own or x's
 * plus the value at the id, as the add computed it (the sign of a zero aside).
 */
function fuseOneHotAdds(
  program: Program, rewrites: Map<ValueId, Peephole>,
  options: { readonly dtypeOf: (id: ValueId) => string; readonly opaque: ReadonlySet<ValueId>; readonly constants: ReadonlyMap<ValueId, number>; readonly oneHots: ReadonlyMap<ValueId, OneHotSource> },
): void {
  const { dtypeOf, opaque, constants, oneHots } = options;
  if (oneHots.size === 0) return;
  const counts = readCounts(program);
  const value = (id: ValueId): Value => program.values.get(id) as Value;
  const plain = (id: ValueId): boolean => !opaque.has(id) && dtypeOf(id) === float32;
  const visit = (block: Block): void => {
    const here = new Map<ValueId, Op>();
    for (const statement of block) {
      if (isLoop(statement)) {
        visit(statement.body);
        continue;
      }
      here.set(statement.output, statement);
      if (rewrites.has(statement.output) || statement.op !== "binary" || statement.fn !== "add" || statement.scalar || !plain(statement.output)) continue;
      const output = value(statement.output);
      for (const side of [1, 0]) {
        const einsum = here.get(statement.inputs[side]);
        const scatter = einsum && !rewrites.has(einsum.output) && counts.get(einsum.output) === 1 ? oneHotScatter(einsum, value, oneHots) : undefined;
        const into = statement.inputs[1 - side];
        if (!einsum || !scatter || !plain(into) || !sameLayout(value(into), output) || !sameLayout(value(einsum.output), output)) continue;
        const constant = constants.get(scatter.values);
        if (constant === undefined && dtypeOf(scatter.values) !== float32) continue;
        rewrites.set(statement.output, { kind: "oneHotAdd", into, scatter: einsum.output, source: scatter.source, values: scatter.values, ...(constant === undefined ? {} : { constant }) });
        rewrites.set(einsum.output, { kind: "absorbed" });
        break;
      }
    }
  };
  visit(program.body);
}

/** The values of one value that no emitted op, loop or result reads (an alias reads nothing; its readers read its source). */
function unusedConstants(program: Program, constants: ReadonlyMap<ValueId, number>, rewrites: ReadonlyMap<ValueId, Peephole>, aliases: ReadonlyMap<ValueId, ValueId>): Set<ValueId> {
  const resolve = (id: ValueId): ValueId => {
    let current = id;
    for (let next = aliases.get(current); next !== undefined; next = aliases.get(current)) current = next;
    return current;
  };
  const read = new Set<ValueId>();
  const reads = (ids: readonly ValueId[]): void => ids.forEach((id) => read.add(resolve(id)));
  const visit = (block: Block): void => {
    for (const statement of block) {
      if (isLoop(statement)) {
        for (const entry of statement.carried) reads([entry.init, entry.result]);
        for (const entry of statement.indexed) reads(entry.items);
        for (const entry of loopYields(statement)) reads([entry.result]);
        visit(statement.body);
        continue;
      }
      const rewrite = rewrites.get(statement.output);
      if (rewrite?.kind !== "alias") reads(peepholeInputs(statement, rewrite));
    }
  };
  visit(program.body);
  const results: ValueId[] = [];
  treeValues(program.result, results);
  reads(results);
  return new Set([...constants.keys()].filter((id) => !read.has(id)));
}

/** The expression of a product-sum rewrite: `torch.sum(left * right, dim=...)`, `right` laid out as `left`. */
export function productSumExpression(left: TorchOperand, right: TorchOperand, dims: readonly number[]): string {
  const product = `${left.name} * ${alignTo(right, localDims(left.value).map((dim) => dim.name))}`;
  return dims.length === 0 ? product : `torch.sum(${product}, dim=${pythonTuple(dims)})`;
}

/** The expression of a broadcast rewrite: `operand` laid out along the output's dims and expanded to its sizes, times `factor`. */
export function broadcastExpression(operand: TorchOperand, output: Value, factor: number): string {
  const dims = localDims(output);
  const aligned = alignTo(operand, dims.map((dim) => dim.name));
  const expanded = localDims(operand.value).length === dims.length ? aligned : `${aligned}.expand(${dims.map((dim) => dim.size).join(", ")})`;
  return factor === 1 ? expanded : `${expanded} * ${pythonNumber(factor)}`;
}
