/**
 * Horizontal batching in the torch back end: independent element-wise ops of
 * the same kind within one block (an optimizer's update of every parameter
 * leaf: `m + (g - m) * 0.1` for each of them) emitted as one
 * `torch._foreach_*` call over lists instead of one Python-level torch call
 * each (the calls torch's own optimizers make with `foreach=True`).
 *
 * Grouping (`foreachGroups`) never changes a result: a group runs at the
 * position of its first op, and a later op joins it only when every value it
 * reads is computed by then (in the order the block is emitted, where a
 * group's outputs exist from its position on). Only pure element-wise ops
 * move, and only earlier; collectives and loops stay where they are, so every
 * rank still issues the same collectives in the same order.
 *
 * What joins a group (`foreachForm`): ops with the same key, that is the same
 * call, the same scalar and the same dtype, whose operands torch's foreach ops
 * take element-wise: each operand has the output's local dims in the output's
 * order, or is a 0-d tensor (which the per-tensor path broadcasts; the fused
 * path of torch 2.x falls back to it when sizes differ). Only calls that
 * exist in torch 1.13 and 2.x are used.
 */
import type { Block, Op, Value, ValueId } from "../../ir/ir.ts";
import { isLoop, loopOutputs } from "../../ir/opAttrs.ts";
import type { FusedOp } from "./fusedOps.ts";
import { pythonNumber } from "./python.ts";

/** Unary functions with a `torch._foreach_<fn>` of the same name (torch 1.13 and 2.x). */
const foreachUnary: ReadonlySet<string> = new Set(["exp", "log", "tanh", "sqrt", "neg", "abs", "reciprocal", "sin", "cos", "floor", "round", "sigmoid"]);

/** Binary functions with a `torch._foreach_<fn>(list, list)`; those with a `(list, scalar)` form too. */
const foreachBinary: ReadonlySet<string> = new Set(["add", "sub", "mul", "div", "maximum", "minimum"]);
const foreachScalar: ReadonlySet<string> = new Set(["add", "sub", "mul", "div"]);
const commutative: ReadonlySet<string> = new Set(["add", "mul", "maximum", "minimum"]);

const symbols: Readonly<Record<string, string>> = { add: "+", sub: "-", mul: "*", div: "/" };

/** How a group of ops becomes one call. */
export interface ForeachForm {
  /** Ops with equal keys can share a call. */
  readonly key: string;
  /** What each op computes, for the comment: `a - b`, `a * 0.1`, `sqrt(a)`. */
  readonly what: string;
  /** The operand positions of an op that make the call's lists, in order (a swapped commutative op reads `[1, 0]`). */
  readonly order: readonly number[];
  /** The call, from one list of operand expressions per position of `order`. */
  call(lists: readonly (readonly string[])[]): string;
}

function localDims(value: Value): readonly { readonly name: string; readonly size: number }[] {
  return value.localDims ?? value.dims;
}

/** Whether `operand` has the output's local dims in its order (no permute, no broadcast). */
function sameLayout(operand: Value, output: Value): boolean {
  const own = localDims(operand);
  const target = localDims(output);
  return own.length === target.length && own.every((dim, index) => dim.name === target[index].name && dim.size === target[index].size);
}

function list(items: readonly string[]): string {
  return `[${items.join(", ")}]`;
}

/**
 * How `op` (with its operand values `inputs` and its output value `output`, computing in torch dtype `dtype`) joins
 * a foreach call, or undefined when it cannot: not an element-wise op with a foreach form, or operands that need
 * permuting or broadcasting other than a 0-d tensor's.
 */
export function foreachForm(op: Op | FusedOp, inputs: readonly Value[], output: Value, dtype: string): ForeachForm | undefined {
  if (op.op === "addScaled" || op.op === "addcmul" || op.op === "addcdiv") {
    const value = pythonNumber(op.value);
    if (op.op === "addScaled") {
      if (!inputs.every((input) => sameLayout(input, output))) return undefined;
      return { key: `addScaled ${value} ${dtype}`, what: `a + b * ${value}`, order: [0, 1], call: ([as, bs]) => `torch._foreach_add(${list(as)}, ${list(bs)}, alpha=${value})` };
    }
    // the last factor (divisor) may be 0-d: one per item, broadcast by the per-tensor path (fusedOps.ts)
    const last = inputs[2].localDims ?? inputs[2].dims;
    const lastShape = sameLayout(inputs[2], output) ? "c" : last.length === 0 ? "0-d" : undefined;
    if (!sameLayout(inputs[0], output) || !sameLayout(inputs[1], output) || lastShape === undefined) return undefined;
    const sign = op.op === "addcmul" ? "*" : "/";
    const what = `a + b ${sign} ${lastShape === "c" ? "c" : "s"} * ${value}${lastShape === "0-d" ? " (s 0-d)" : ""}`;
    return { key: `${op.op} ${lastShape} ${value} ${dtype}`, what, order: [0, 1, 2], call: ([as, bs, cs]) => `torch._foreach_${op.op}(${list(as)}, ${list(bs)}, ${list(cs)}, value=${value})` };
  }
  if (op.op === "unary") {
    if (op.fn === "square") {
      return { key: `square ${dtype}`, what: "a * a", order: [0], call: ([xs]) => `torch._foreach_mul(${list(xs)}, ${list(xs)})` };
    }
    if (!foreachUnary.has(op.fn)) return undefined;
    return { key: `${op.fn} ${dtype}`, what: `${op.fn}(a)`, order: [0], call: ([xs]) => `torch._foreach_${op.fn}(${list(xs)})` };
  }
  if (op.op !== "binary") return undefined;
  const fn = op.fn;
  if (op.scalar) {
    if (!foreachScalar.has(fn) || !sameLayout(inputs[0], output)) return undefined;
    const scalar = pythonNumber(op.scalar.value);
    const key = `${fn} scalar ${op.scalar.position} ${scalar} ${dtype}`;
    if (op.scalar.position === 1 || commutative.has(fn)) {
      const what = op.scalar.position === 1 ? `a ${symbols[fn]} ${scalar}` : `${scalar} ${symbols[fn]} a`;
      return { key, what, order: [0], call: ([xs]) => `torch._foreach_${fn}(${list(xs)}, ${scalar})` };
    }
    // s - a is exactly (-a) + s (negation is exact); s / a has no such form
    if (fn === "sub") return { key, what: `${scalar} - a`, order: [0], call: ([xs]) => `torch._foreach_add(torch._foreach_neg(${list(xs)}), ${scalar})` };
    return undefined;
  }
  if (!foreachBinary.has(fn)) return undefined;
  const [left, right] = inputs;
  const scalarLike = (value: Value): boolean => localDims(value).length === 0;
  const shape = (value: Value): "a" | "0-d" | undefined => (sameLayout(value, output) ? "a" : scalarLike(value) ? "0-d" : undefined);
  let order = [0, 1];
  let shapes = [shape(left), shape(right)];
  if (shapes[0] === "0-d" && shapes[1] === "a" && commutative.has(fn)) {
    order = [1, 0];
    shapes = ["a", "0-d"];
  }
  if (shapes[0] !== "a" || shapes[1] === undefined) return undefined;
  const b = shapes[1] === "a" ? "b" : "s";
  const what = symbols[fn] !== undefined ? `a ${symbols[fn]} ${b}` : `${fn}(a, ${b})`;
  return { key: `${fn} ${shapes[1]} ${dtype}`, what: `${what}${b === "s" ? " (s 0-d)" : ""}`, order, call: ([xs, ys]) => `torch._foreach_${fn}(${list(xs)}, ${list(ys)})` };
}

/** What `foreachGroups` needs besides the block. */
export interface ForeachGroupOptions {
  /** The foreach key of an op that may join a group (`foreachForm(...).key`), undefined for one that never does. */
  readonly keyOf: (op: Op) => string | undefined;
  /** Ops emitted at the position of another op of the block (the collective buckets: first op -> all of its bucket). */
  readonly moved?: ReadonlyMap<Op, readonly Op[]>;
  /** Values that are other values and cost nothing (peepholes: `x * 1` is `x`): ready when what they are is. */
  readonly aliases?: ReadonlyMap<ValueId, ValueId>;
  /** What an op reads as emitted (a peephole or a fused op may read other values than its inputs); default its inputs. */
  readonly inputsOf?: (op: Op) => readonly ValueId[];
}

/**
 * The foreach groups of `block` (its own statements, not its loops' bodies): for the first op of each group of
 * two or more, the ops of the group in block order. The others of a group are emitted with it and skipped where
 * they are. Deterministic: it depends on the block alone.
 */
export function foreachGroups(block: Block, options: ForeachGroupOptions): Map<Op, Op[]> {
  const { keyOf, moved = new Map<Op, readonly Op[]>(), aliases = new Map<ValueId, ValueId>(), inputsOf = (op: Op) => op.inputs } = options;
  // params are the function's arguments: there before any statement
  const definedHere = new Set<ValueId>();
  for (const statement of block) {
    if (isLoop(statement)) loopOutputs(statement).forEach((id) => definedHere.add(id));
    else if (statement.op !== "param") definedHere.add(statement.output);
  }
  const resolve = (id: ValueId): ValueId => {
    let current = id;
    for (let next = aliases.get(current); next !== undefined; next = aliases.get(current)) current = next;
    return current;
  };
  const computed = new Set<ValueId>();
  const ready = (op: Op): boolean => inputsOf(op).every((input) => {
    const source = resolve(input);
    return !definedHere.has(source) || computed.has(source);
  });
  const keys = new Map<Op, string>();
  const byKey = new Map<string, Op[]>();
  for (const statement of block) {
    if (isLoop(statement)) continue;
    const key = keyOf(statement);
    if (key === undefined) continue;
    keys.set(statement, key);
    byKey.set(key, [...(byKey.get(key) ?? []), statement]);
  }
  const done = new Set<Op | Block[number]>();
  const groups = new Map<Op, Op[]>();
  for (const statement of block) {
    if (done.has(statement)) continue;
    done.add(statement);
    if (isLoop(statement)) {
      for (const id of loopOutputs(statement)) computed.add(id);
      continue;
    }
    const bucket = moved.get(statement);
    if (bucket) {
      for (const op of bucket) {
        done.add(op);
        computed.add(op.output);
      }
      computed.add(statement.output);
      continue;
    }
    const key = keys.get(statement);
    const group = [statement];
    if (key !== undefined) {
      const pending = byKey.get(key) ?? [];
      const later = pending.filter((candidate) => !done.has(candidate));
      for (const candidate of later) {
        if (ready(candidate)) {
          group.push(candidate);
          done.add(candidate);
        }
      }
      byKey.set(key, later.filter((candidate) => !done.has(candidate)));
    }
    for (const op of group) computed.add(op.output);
    if (group.length > 1) groups.set(statement, group);
  }
  return groups;
}
