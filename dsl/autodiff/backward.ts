/**
 * The reverse pass, shared by the eager tape and the compiler: walk recorded
 * ops from last to first, ask each op's rule for its inputs' cotangents and
 * add them up per value. Values are whatever the emitter works on (tensors,
 * IR ids); they are told apart by identity (`Map` keys).
 */
import type { Emitter } from "./emitter.ts";
import type { Primitive } from "./primitive.ts";
import { vjpRules } from "./rules/index.ts";
import type { VjpArgs, VjpRule } from "./rules/rule.ts";

/** One recorded op. */
export interface Recorded<V> {
  readonly primitive: Primitive;
  readonly inputs: readonly V[];
  readonly output: V;
}

/** What to differentiate: `output` (any dims) with cotangent `seed`, with respect to `wrt`. */
export interface BackwardRequest<V, R extends Recorded<V> = Recorded<V>> {
  readonly emit: Emitter<V>;
  /** The ops in program order; those that do not lie between `wrt` and `output` are skipped. */
  readonly ops: readonly R[];
  readonly output: V;
  readonly seed: V;
  readonly wrt: readonly V[];
  /** Called before each op's rule runs (the compiler sets locations and names here). */
  readonly onOp?: (op: R) => void;
}

function sameDims<V>(emit: Emitter<V>, a: V, b: V): boolean {
  const [left, right] = [emit.dims(a), emit.dims(b)];
  return left.length === right.length && left.every((dim, index) => dim.name === right[index].name && dim.size === right[index].size);
}

/** The ops whose output depends on some value of `wrt`, and the values that do. */
function activeValues<V>(ops: readonly Recorded<V>[], wrt: readonly V[]): Set<V> {
  const active = new Set<V>(wrt);
  for (const op of ops) if (op.inputs.some((input) => active.has(input))) active.add(op.output);
  return active;
}

/**
 * The cotangent of every value of `wrt` (zeros where `output` does not
 * depend on it), each with that value's dims in its order.
 */
export function backward<V, R extends Recorded<V> = Recorded<V>>(request: BackwardRequest<V, R>): V[] {
  const { emit, ops, output, seed, wrt } = request;
  const active = activeValues(ops, wrt);
  const cotangents = new Map<V, V>([[output, seed]]);
  const accumulate = (value: V, cotangent: V): void => {
    if (!sameDims(emit, value, cotangent)) {
      const show = (item: V) => emit.dims(item).map((dim) => `${dim.name}=${dim.size}`).join(" ");
      throw new Error(`autodiff: a rule gave a cotangent [${show(cotangent)}] for a value [${show(value)}]`);
    }
    const before = cotangents.get(value);
    cotangents.set(value, before === undefined ? cotangent : emit.binary("add", before, cotangent));
  };
  for (let index = ops.length - 1; index >= 0; index--) {
    const op = ops[index];
    const cotangent = cotangents.get(op.output);
    if (cotangent === undefined || !active.has(op.output)) continue;
    const wants = op.inputs.map((input) => active.has(input));
    if (!wants.some(Boolean)) continue;
    request.onOp?.(op);
    const rule = vjpRules[op.primitive.op] as VjpRule<Primitive>;
    const args: VjpArgs<V> = { emit, primitive: op.primitive, inputs: op.inputs, output: op.output, cotangent, wants };
    rule(args).forEach((item, position) => {
      if (item !== undefined && wants[position]) accumulate(op.inputs[position], item);
    });
  }
  return wrt.map((value) => cotangents.get(value) ?? emit.full(emit.dims(value), 0));
}
