/**
 * The backward of a kept loop, as a loop: for a forward loop of n
 * iterations (carried values, indexed items such as each layer's weights,
 * free values read from outside), one reverse loop of n iterations that
 *
 * - carries the cotangent of each carried value, from the cotangent of the
 *   loop's output back to that of its init (through the body's VJP per
 *   iteration, last iteration first);
 * - carries one sum per free value the gradient needs (a weight shared by
 *   all iterations gets the sum of its cotangents over them);
 * - yields the cotangent of each indexed value per iteration (a layer's
 *   gradients), which the caller reads in reverse order;
 * - reads the forward values its rules need through a `LoopScope`: saved by
 *   the forward loop (yielded, indexed here in reverse) or recomputed, by
 *   the `RecomputePolicy`.
 *
 * So a training step's IR, its build time and its generated code have the
 * same size at 2 layers and at 96. A loop nested in the body is recomputed
 * inside the reverse body (its clone is the forward loop of an inner
 * reverse loop there).
 */
import type { CustomRecorded, Recorded } from "../../dsl/autodiff/backward.ts";
import { backward } from "../../dsl/autodiff/backward.ts";
import { autodiffMessages } from "../diagnostics/autodiffMessages.ts";
import { fail } from "../diagnostics/diagnostic.ts";
import type { ProgramBuilder } from "../ir/builder.ts";
import type { Block, Loop, SourceLoc, ValueId } from "../ir/ir.ts";
import { isLoop, loopOutputs, loopYields } from "../ir/opAttrs.ts";
import { formatLoc } from "../ir/printer.ts";
import { LoopScope, type ForwardScope, type LoopHandle, type RecomputePolicy } from "./forwardScope.ts";
import type { IrEmitter } from "./irEmitter.ts";
import { activeInBody, freeValues, loopInputs } from "./loopReads.ts";
import { toPrimitive } from "./primitives.ts";

/** A recorded op with where it came from. */
export interface IrRecorded extends Recorded<ValueId> {
  readonly loc: SourceLoc;
}

/** What building a backward needs: the builder, its emitter, and how to name and recompute. */
export interface ReverseContext {
  readonly builder: ProgramBuilder;
  readonly emit: IrEmitter;
  readonly policy: RecomputePolicy;
  /** The name of the cotangent of a forward value (undefined: none). */
  readonly nameOf: (value: ValueId) => string | undefined;
}

/**
 * The statements of `block` as recorded ops for the reverse pass: ops with
 * their rule's primitive, loops as custom ops whose VJP is a reverse loop;
 * a diagnostic (MT4004) for an op that has no rule but reads a value
 * depending on `active` (which grows as the block is read). `loops` says how
 * a loop is reversed: "in place" for the loops of the block where the
 * backward is emitted (the differentiated function's own block), "recomputed"
 * for loops nested in a loop body (run again in the reverse body first).
 */
export function recordStatements(
  context: ReverseContext, scope: ForwardScope, block: Block, active: Set<ValueId>, loops: "in place" | "recomputed",
): (IrRecorded | CustomRecorded<ValueId>)[] {
  const records: (IrRecorded | CustomRecorded<ValueId>)[] = [];
  for (const statement of block) {
    if (isLoop(statement)) {
      const inputs = loopInputs(statement);
      const outputs = loopOutputs(statement);
      if (inputs.some((id) => active.has(id))) outputs.forEach((id) => active.add(id));
      const original = statement;
      const handle: LoopHandle = { loop: statement };
      records.push({
        custom: true,
        inputs,
        outputs,
        vjp: (cotangents, wants) => (loops === "in place"
          ? reverseLoop(context, scope, handle, cotangents, wants)
          : reverseNested(context, scope, original, cotangents, wants)),
      });
      continue;
    }
    const primitive = toPrimitive(statement);
    if (statement.inputs.some((value) => active.has(value))) {
      if (!primitive) fail(autodiffMessages.gradUnsupported, { what: `${statement.op} at ${formatLoc(statement.loc)}: it has no gradient rule yet` }, statement.loc);
      active.add(statement.output);
    }
    if (primitive) records.push({ primitive, inputs: statement.inputs, output: statement.output, loc: statement.loc });
  }
  return records;
}

/**
 * The VJP of a loop nested in a loop body being differentiated: run it again
 * in the reverse body (once: the copy may exist already), then reverse the copy.
 */
function reverseNested(
  context: ReverseContext, scope: ForwardScope, loop: Loop, cotangents: readonly (ValueId | undefined)[], wants: readonly boolean[],
): (ValueId | undefined)[] {
  // The copy reads the resolved values in the same order, so its inputs line up with the original's.
  return reverseLoop(context, scope, scope.runAgain(loop), cotangents, wants);
}

/** Zeros with the dims of `like`, emitted where the builder is. */
function zerosLike(context: ReverseContext, like: ValueId): ValueId {
  return context.emit.full(context.builder.dimsOf(like), 0);
}

/**
 * Emit the reverse loop of `forward.loop` (a statement of the current block) and return the
 * cotangents of its inputs, in the order of `loopInputs` (inits, indexed items, free values),
 * undefined where none is wanted. `cotangents` are those of its outputs (`loopOutputs`).
 */
export function reverseLoop(
  context: ReverseContext, outer: ForwardScope, forward: LoopHandle,
  cotangents: readonly (ValueId | undefined)[], wants: readonly boolean[],
): (ValueId | undefined)[] {
  const { builder, emit } = context;
  const loop = forward.loop;
  const free = freeValues(loop);
  const count = loop.count;
  const carriedCount = loop.carried.length;
  const itemStart = carriedCount;
  const itemOffsets: number[] = [];
  let offset = itemStart;
  for (const entry of loop.indexed) {
    itemOffsets.push(offset);
    offset += entry.items.length;
  }
  const freeStart = offset;
  emit.loc = loop.loc;
  emit.hint = undefined;

  // Which body values depend on the wanted inputs.
  const seeds = new Set<ValueId>();
  loop.carried.forEach((entry, index) => wants[index] && seeds.add(entry.param));
  loop.indexed.forEach((entry, index) => entry.items.some((_, item) => wants[itemOffsets[index] + item]) && seeds.add(entry.param));
  const activeFree = free.filter((_, index) => wants[freeStart + index]);
  activeFree.forEach((id) => seeds.add(id));
  const active = activeInBody(loop, seeds);

  const reversedCarried = loop.carried.map((entry, index) => ({ entry, index })).filter(({ entry }) => active.has(entry.param) || active.has(entry.result));
  const activeIndexed = loop.indexed.map((entry, index) => ({ entry, index })).filter(({ entry }) => active.has(entry.param));
  const sums = activeFree.map((id) => ({ outer: id, inner: id }));
  const yieldStart = carriedCount;
  const yieldOffsets: number[] = [];
  let yieldOffset = yieldStart;
  for (const entry of loopYields(loop)) {
    yieldOffsets.push(yieldOffset);
    yieldOffset += entry.items.length;
  }
  const seededYields = loopYields(loop).map((entry, index) => ({ entry, index }))
    .filter(({ index }) => cotangents.slice(yieldOffsets[index], yieldOffsets[index] + count).some((item) => item !== undefined));

  // Before the reverse loop: its carried inits and the cotangents of yielded items, last iteration first.
  const carriedInits = reversedCarried.map(({ entry, index }) => cotangents[index] ?? zerosLike(context, entry.output));
  const sumInits = sums.map(({ outer }) => zerosLike(context, outer));
  const yieldLists = seededYields.map(({ entry, index }) =>
    entry.items.map((item, at) => cotangents[yieldOffsets[index] + at] ?? zerosLike(context, item)).reverse());

  const open = builder.openLoop(count, [...carriedInits, ...sumInits], yieldLists, loop.loc);
  const scope = new LoopScope(builder, forward, outer, context.policy);
  const records = recordStatements(context, scope, loop.body, new Set(active), "recomputed");
  const seedPairs: [ValueId, ValueId][] = [
    ...reversedCarried.map(({ entry }, position) => [entry.result, open.carried[position]] as [ValueId, ValueId]),
    ...seededYields.map(({ entry }, position) => [entry.result, open.indexed[position]] as [ValueId, ValueId]),
  ];
  const wrt = [...reversedCarried.map(({ entry }) => entry.param), ...activeIndexed.map(({ entry }) => entry.param), ...sums.map(({ inner }) => inner)];
  const previous = emit.resolve;
  emit.resolve = (id) => scope.resolve(id);
  let bodyCotangents: (ValueId | undefined)[];
  try {
    bodyCotangents = backward<ValueId, IrRecorded>({
      emit, ops: records, seeds: seedPairs, wrt, missingAsUndefined: true,
      onOp: (op) => {
        emit.loc = op.loc;
        emit.hint = context.nameOf(op.output);
      },
    });
    emit.loc = loop.loc;
    emit.hint = undefined;
    const carriedResults = reversedCarried.map(({ entry }, position) => bodyCotangents[position] ?? zerosLike(context, entry.param));
    const sumResults = sums.map((sum, position) => {
      const cotangent = bodyCotangents[reversedCarried.length + activeIndexed.length + position];
      const running = open.carried[reversedCarried.length + position];
      return cotangent === undefined ? running : emit.binary("add", running, cotangent);
    });
    const yieldResults = activeIndexed.map(({ entry }, position) => bodyCotangents[reversedCarried.length + position] ?? zerosLike(context, entry.param));
    const closed = builder.closeLoopWithYields([...carriedResults, ...sumResults], yieldResults);
    const result: (ValueId | undefined)[] = new Array(wants.length).fill(undefined);
    reversedCarried.forEach(({ index }, position) => (result[index] = closed.carried[position]));
    activeIndexed.forEach(({ index }, position) => {
      const items = closed.yields[position];
      loop.indexed[index].items.forEach((_, at) => (result[itemOffsets[index] + at] = items[count - 1 - at]));
    });
    sums.forEach(({ outer }, position) => (result[freeStart + free.indexOf(outer)] = closed.carried[reversedCarried.length + position]));
    return result;
  } finally {
    emit.resolve = previous;
  }
}
