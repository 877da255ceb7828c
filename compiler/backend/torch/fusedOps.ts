/**
 * Fused element-wise updates of the torch back end, as torch's own AdamW
 * writes them: `a + b * c` (c a scalar) is one `torch.add(a, b, alpha=c)`
 * and `a + (g * g) * c` one `torch.addcmul(a, g, g, value=c)` (`a - ...` with
 * -c), instead of two and three calls: AdamW's `m + (g - m) * (1 - beta1)`
 * and `v * beta2 + square(g) * (1 - beta2)`. Grouped (foreachGroups.ts) they
 * are `torch._foreach_add(as, bs, alpha=c)` and `torch._foreach_addcmul`.
 *
 * An op is fused into the add only when the add is its one reader, it is in
 * the same block (a loop body runs it as often as before), and every operand
 * has the output's layout (no broadcasting). The fused call rounds
 * differently from the separate ones (the product and the sum in one
 * kernel: at most an ulp or so per element); the eager float32 results
 * bound it in the torch tests.
 */
import type { Block, Op, Program, Value, ValueId, ValueTree } from "../../ir/ir.ts";
import { isLoop, loopYields } from "../../ir/opAttrs.ts";
import type { Peephole } from "./peepholes.ts";

/** `a + b * value` (addScaled: inputs a, b) or `a + g1 * g2 * value` (addcmul: inputs a, g1, g2). */
export interface FusedOp {
  readonly op: "addScaled" | "addcmul";
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
function readCounts(program: Program): Map<ValueId, number> {
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
        if (!termOp || !term || term.op !== "binary" || term.fn !== "mul" || !term.scalar || counts.get(term.output) !== 1) continue;
        const other = add.inputs[1 - side];
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
