/**
 * Fused element-wise updates of the torch back end, as torch's own AdamW
 * writes them: `a + b * c` (c a scalar) is one `torch.add(a, b, alpha=c)`
 * and `a + (g * g) * c` one `torch.addcmul(a, g, g, value=c)` (`a - ...` with
 * -c), instead of two and three calls: AdamW's `m + (g - m) * (1 - beta1)`
 * and `v * beta2 + square(g) * (1 - beta2)`. Grouped (foreachGroups.ts) they
 * are `torch._foreach_add(as, bs, alpha=c)` and `torch._foreach_addcmul`.
 *
 * A product or a quotient with no scalar is fused with value ±1, which is
 * exact: `a - q * s` is `torch.addcmul(a, q, s, value=-1)` (AdamW's
 * `p - (m / d) * stepSize` with the step size a 0-d tensor: `m / d` and one
 * addcmul, instead of a div, a mul and a sub; the step size stays a tensor, so
 * no host sync) and `a - b / c` is `torch.addcdiv(a, b, c, value=-1)`. The
 * kernels compute `a + value * b * c` and `a + value * b / c`, and a product
 * or quotient by ±1 rounds to itself, so only the fusing of the product into
 * the sum (an FMA on some devices) can differ. The 0-d factor or divisor may
 * be a 0-d tensor (torch broadcasts it; a foreach call takes one per item).
 *
 * An op is fused into the add only when the add is its one reader, it is in
 * the same block (a loop body runs it as often as before), and every operand
 * has the output's layout (no broadcasting; but for the 0-d one above). The fused call rounds
 * differently from the separate ones (the product and the sum in one
 * kernel: at most an ulp or so per element); the eager float32 results
 * bound it in the torch tests.
 */
import type { Block, Op, Program, Value, ValueId, ValueTree } from "../../ir/ir.ts";
import { isLoop, loopYields } from "../../ir/opAttrs.ts";
import type { Peephole } from "./peepholes.ts";
import { pythonNumber } from "./python.ts";

/** `a + b * value` (addScaled: inputs a, b), `a + g1 * g2 * value` (addcmul: inputs a, g1, g2) or `a + b / c * value` (addcdiv: inputs a, b, c). */
export interface FusedOp {
  readonly op: "addScaled" | "addcmul" | "addcdiv";
  readonly inputs: readonly ValueId[];
  readonly output: ValueId;
  readonly value: number;
}

const float32 = "torch.float32";

function localDims(value: Value): readonly { readonly name: string; readonly size: number }[] {
  return value.localDims ?? value.dims;
}

function sameLayout(operand: Value, output: Value): boolean {
  const own = localDims(operand);
  const target = localDims(output);
  return own.length === target.length && own.every((dim, index) => dim.name === target[index].name && dim.size === target[index].size);
}

function treeValues(tree: ValueTree, into: ValueId[]): void {
  if (tree.kind === "tensor") into.push(tree.value);
  else if (tree.kind === "array") tree.items.forEach((item) => treeValues(item, into));
  else Object.values(tree.fields).forEach((item) => treeValues(item, into));
}

/** How many times each value is read: by ops, loops (carried, indexed, yielded) and the result. */
export function readCounts(program: Program): Map<ValueId, number> {
  const counts = new Map<ValueId, number>();
  const read = (id: ValueId): void => void counts.set(id, (counts.get(id) ?? 0) + 1);
  const visit = (block: Block): void => {
    for (const statement of block) {
      if (isLoop(statement)) {
        for (const entry of statement.carried) [entry.init, entry.result].forEach(read);
        for (const entry of statement.indexed) entry.items.forEach(read);
        for (const entry of loopYields(statement)) read(entry.result);
        visit(statement.body);
      } else statement.inputs.forEach(read);
    }
  };
  visit(program.body);
  const results: ValueId[] = [];
  treeValues(program.result, results);
  results.forEach(read);
  return counts;
}

/**
 * The factors of `term` (a product or a quotient of two tensors) for addcmul or addcdiv: the first of the
 * output's layout (`full`), the second of it or 0-d (`scalarLike`), a product's swapped where only its first is
 * 0-d; undefined for any other op or operands (broadcasting ones).
 */
function unitFactors(term: Op, full: (id: ValueId) => boolean, scalarLike: (id: ValueId) => boolean): readonly ValueId[] | undefined {
  if (term.op !== "binary" || (term.fn !== "mul" && term.fn !== "div")) return undefined;
  const [left, right] = term.inputs;
  if (full(left) && (full(right) || scalarLike(right))) return [left, right];
  if (term.fn === "mul" && scalarLike(left) && full(right)) return [right, left];
  return undefined;
}

/** The torch call of a fused op from its operand expressions: `torch.add(a, b, alpha=c)`, `torch.addcmul(...)`, `torch.addcdiv(...)`. */
export function fusedCall(fused: FusedOp, operands: readonly string[]): string {
  const [a, b, c] = operands;
  const value = pythonNumber(fused.value);
  switch (fused.op) {
    case "addScaled": return `torch.add(${a}, ${b}, alpha=${value})`;
    case "addcmul": return `torch.addcmul(${a}, ${b}, ${c}, value=${value})`;
    case "addcdiv": return `torch.addcdiv(${a}, ${b}, ${c}, value=${value})`;
  }
}

/** What a fused op computes, for the comment: `a + b * 0.1`, `a + b * c * -1`, `a + b / c * -1`. */
export function fusedWhat(fused: FusedOp): string {
  const value = pythonNumber(fused.value);
  return fused.op === "addScaled" ? `a + b * ${value}` : fused.op === "addcmul" ? `a + b * c * ${value}` : `a + b / c * ${value}`;
}

/**
 * Add to `rewrites` (peepholes.ts, by output) the fused updates of `program`: the add becomes a `fused` rewrite,
 * the ops it takes in become `absorbed`. Ops another rewrite already replaces with no op are left alone.
 */
export function fuseUpdates(program: Program, rewrites: Map<ValueId, Peephole>, options: { readonly dtypeOf: (id: ValueId) => string; readonly opaque: ReadonlySet<ValueId> }): void {
  const { dtypeOf, opaque } = options;
  const counts = readCounts(program);
  const value = (id: ValueId): Value => program.values.get(id) as Value;
  /** The op emitted for `op`: itself, a peephole's op, or undefined when a peephole emits something else. */
  const effective = (op: Op | undefined): Op | undefined => {
    if (!op) return undefined;
    const rewrite = rewrites.get(op.output);
    return rewrite === undefined ? op : rewrite.kind === "op" ? rewrite.op : undefined;
  };
  const plain = (id: ValueId): boolean => !opaque.has(id) && dtypeOf(id) === float32;
  const visit = (block: Block): void => {
    const here = new Map<ValueId, Op>();
    for (const statement of block) {
      if (isLoop(statement)) {
        visit(statement.body);
        continue;
      }
      here.set(statement.output, statement);
      const add = effective(statement);
      if (!add || add.op !== "binary" || add.scalar || (add.fn !== "add" && add.fn !== "sub") || !plain(add.output)) continue;
      const output = value(add.output);
      if (!add.inputs.every((input) => plain(input) && sameLayout(value(input), output))) continue;
      // a + t or t + a for add, a - t for sub, with t = b * c read only here
      for (const side of add.fn === "add" ? [1, 0] : [1]) {
        const termOp = here.get(add.inputs[side]);
        const term = effective(termOp);
        if (!termOp || !term || term.op !== "binary" || counts.get(term.output) !== 1) continue;
        const other = add.inputs[1 - side];
        if (!term.scalar) {
          // a ± x * y and a ± x / y: value ±1, exact (the module comment)
          const factors = unitFactors(term, (id) => plain(id) && sameLayout(value(id), output), (id) => plain(id) && localDims(value(id)).length === 0);
          if (!factors) continue;
          rewrites.set(add.output, { kind: "fused", fused: { op: term.fn === "mul" ? "addcmul" : "addcdiv", inputs: [other, ...factors], output: add.output, value: add.fn === "sub" ? -1 : 1 } });
          rewrites.set(termOp.output, { kind: "absorbed" });
          break;
        }
        if (term.fn !== "mul") continue;
        const factor = add.fn === "sub" ? -term.scalar.value : term.scalar.value;
        const [scaled] = term.inputs;
        if (!plain(scaled) || !sameLayout(value(scaled), output)) continue;
        const productOp = here.get(scaled);
        const product = effective(productOp);
        const squares = product?.op === "unary" && product.fn === "square";
        const multiplies = product?.op === "binary" && product.fn === "mul" && !product.scalar;
        if (productOp && product && (squares || multiplies) && counts.get(scaled) === 1 && product.inputs.every((input) => plain(input) && sameLayout(value(input), output))) {
          const factors = squares ? [product.inputs[0], product.inputs[0]] : product.inputs;
          rewrites.set(add.output, { kind: "fused", fused: { op: "addcmul", inputs: [other, ...factors], output: add.output, value: factor } });
          rewrites.set(productOp.output, { kind: "absorbed" });
        } else {
          rewrites.set(add.output, { kind: "fused", fused: { op: "addScaled", inputs: [other, scaled], output: add.output, value: factor } });
        }
        rewrites.set(termOp.output, { kind: "absorbed" });
        break;
      }
    }
  };
  visit(program.body);
}
