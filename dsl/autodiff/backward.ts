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

/**
 * A recorded statement with several outputs and its own reverse rule (the
 * compiler's loops): given the cotangents of its outputs (undefined where an
 * output has none) and which inputs need one, it emits and returns the
 * cotangents of its inputs (undefined for none).
 */
export interface CustomRecorded<V> {
  readonly custom: true;
  readonly inputs: readonly V[];
  readonly outputs: readonly V[];
  readonly vjp: (cotangents: readonly (V | undefined)[], wants: readonly boolean[]) => readonly (V | undefined)[];
}

/** What to differentiate: `output` (any dims) with cotangent `seed` (or several `seeds`), with respect to `wrt`. */
export interface BackwardRequest<V, R extends Recorded<V> = Recorded<V>> {
  readonly emit: Emitter<V>;
  /** The ops in program order; those that do not lie between `wrt` and `output` are skipped. */
  readonly ops: readonly (R | CustomRecorded<V>)[];
  readonly output?: V;
  readonly seed?: V;
  /** More outputs and their cotangents, besides (or instead of) `output` and `seed`. */
  readonly seeds?: readonly (readonly [V, V])[];
  readonly wrt: readonly V[];
  /** Called before each op's rule runs (the compiler sets locations and names here). */
  readonly onOp?: (op: R) => void;
  /** Give `undefined` (not zeros) for a value of `wrt` that no cotangent reaches. */
  readonly missingAsUndefined?: boolean;
}

function isCustom<V, R extends Recorded<V>>(op: R | CustomRecorded<V>): op is CustomRecorded<V> {
  return "custom" in op;
}

function sameDims<V>(emit: Emitter<V>, a: V, b: V): boolean {
  const [left, right] = [emit.dims(a), emit.dims(b)];
  return left.length === right.length && left.every((dim, index) => dim.name === right[index].name && dim.size === right[index].size);
}

/** The ops whose output depends on some value of `wrt`, and the values that do (every output of a custom op that reads one). */
function activeValues<V>(ops: readonly (Recorded<V> | CustomRecorded<V>)[], wrt: readonly V[]): Set<V> {
  const active = new Set<V>(wrt);
  for (const op of ops) {
    if (!op.inputs.some((input) => active.has(input))) continue;
    if ("custom" in op) op.outputs.forEach((output) => active.add(output));
    else active.add(op.output);
  }
  return active;
}

/**
 * The cotangent of every value of `wrt` (zeros where no output depends on
 * it, or undefined with `missingAsUndefined`), each with that value's dims in its order.
 */
export function backward<V, R extends Recorded<V> = Recorded<V>>(request: BackwardRequest<V, R>): V[];
export function backward<V, R extends Recorded<V> = Recorded<V>>(request: BackwardRequest<V, R> & { missingAsUndefined: true }): (V | undefined)[];
export function backward<V, R extends Recorded<V> = Recorded<V>>(request: BackwardRequest<V, R>): (V | undefined)[] {
  const { emit, ops, wrt } = request;
  const active = activeValues(ops, wrt);
  const cotangents = new Map<V, V>();
  const accumulate = (value: V, cotangent: V): void => {
    if (!sameDims(emit, value, cotangent)) {
      const show = (item: V) => emit.dims(item).map((dim) => `${dim.name}=${dim.size}`).join(" ");
      throw new Error(`autodiff: a rule gave a cotangent [${show(cotangent)}] for a value [${show(value)}]`);
    }
    const before = cotangents.get(value);
    cotangents.set(value, before === undefined ? cotangent : emit.binary("add", before, cotangent));
  };
  if (request.output !== undefined && request.seed !== undefined) accumulate(request.output, request.seed);
  for (const [value, cotangent] of request.seeds ?? []) accumulate(value, cotangent);
  for (let index = ops.length - 1; index >= 0; index--) {
    const op = ops[index];
    if (isCustom(op)) {
      const given = op.outputs.map((output) => (active.has(output) ? cotangents.get(output) : undefined));
      const wants = op.inputs.map((input) => active.has(input));
      if (given.every((item) => item === undefined) || !wants.some(Boolean)) continue;
      op.vjp(given, wants).forEach((item, position) => {
        if (item !== undefined && wants[position]) accumulate(op.inputs[position], item);
      });
      continue;
    }
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
  return wrt.map((value) => cotangents.get(value) ?? (request.missingAsUndefined ? undefined : emit.full(emit.dims(value), 0)));
}
