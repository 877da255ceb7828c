/**
 * When the torch back end issues each gradient collective: the buckets of
 * collectiveBuckets.ts, some of them started asynchronously where their
 * inputs exist and waited on where they ran before (as DDP overlaps its
 * gradient buckets with the backward).
 *
 * Two kinds of start, both for all-reduces and reduce-scatters only:
 *
 * - across loops: a collective in a loop body (the AdamW update loop) whose
 *   input is that loop's indexed read of what an earlier loop of the same
 *   block yields (the backward loop's per-layer gradient) starts at the end
 *   of each iteration of the earlier loop, right after the layer's gradient
 *   is computed: `pending.append(mesh.all_reduce_many_start([...]))`; the
 *   later loop's iteration waits on the handle of the iteration it reads
 *   (`pending[1 - i].wait()`) where the collective was;
 * - within a block: a collective whose input is ready before a loop that
 *   runs before it (the gradients of the final norm and unembedding, ready
 *   before the backward loop) starts just before that loop and is waited on
 *   where it was.
 *
 * The rest of a bucket runs synchronously where it did. Every rank runs the
 * same program, so every rank starts the same collectives in the same order;
 * a wait comes before any use of its results (each result is first assigned
 * by the wait), and a start comes after its inputs are computed. What each
 * collective computes is unchanged: the runtime's `*_start` calls never
 * modify their inputs.
 */
import type { Block, Loop, LoopYield, Op, Program, ValueId } from "../../ir/ir.ts";
import { isLoop, loopOutputs, loopYields } from "../../ir/opAttrs.ts";
import { collectiveBuckets, type BucketOp } from "./collectiveBuckets.ts";

/** A collective that can run asynchronously. */
export type AsyncOp = BucketOp & { readonly op: "allReduce" | "reduceScatter" };

/** Collectives issued as one asynchronous call, and where. */
export interface AsyncBucket {
  /** The collectives, in call order (one flat buffer). */
  readonly ops: readonly AsyncOp[];
  /**
   * `before`: just before statement `index` of the block that holds the ops (a loop);
   * `loopEnd`: at the end of every iteration of `loop`, an earlier loop of the enclosing block, with `inputs`
   * (per op, the value of that loop's body it yields) and `reversed` (iteration k of the ops' loop reads the
   * earlier loop's iteration count - 1 - k).
   */
  readonly start:
    | { readonly kind: "before"; readonly index: number }
    | { readonly kind: "loopEnd"; readonly loop: Loop; readonly inputs: readonly ValueId[]; readonly reversed: boolean };
}

/** What is emitted where the first op of a call stood: a synchronous bucket, or the wait of an asynchronous one. */
export type ScheduledCall = { readonly kind: "sync"; readonly ops: readonly BucketOp[] } | { readonly kind: "wait"; readonly bucket: AsyncBucket };

/** The schedule of one block's own statements (not of its loops' bodies). */
export interface BlockSchedule {
  /** By the op where they are emitted: the calls (synchronous buckets and waits), in order. */
  readonly calls: ReadonlyMap<Op, readonly ScheduledCall[]>;
  /** Ops emitted as part of a call elsewhere (another op's call, or a start): not emitted where they stand. */
  readonly skipped: ReadonlySet<Op>;
  /** By statement index: the asynchronous calls started just before it. */
  readonly startsBefore: ReadonlyMap<number, readonly AsyncBucket[]>;
}

/** The schedule of a whole program. */
export interface CollectiveSchedule {
  /** `block`'s schedule (an empty one for a block the program does not hold). */
  block(block: Block): BlockSchedule;
  /** The asynchronous calls started at the end of every iteration of `loop`, in order. */
  loopEnd(loop: Loop): readonly AsyncBucket[];
}

/** Options of `collectiveSchedule`. */
export interface CollectiveScheduleOptions {
  /** Start buckets asynchronously where their inputs exist (default true); false keeps every bucket where it is, synchronous. */
  readonly overlap?: boolean;
}

const emptySchedule: BlockSchedule = { calls: new Map(), skipped: new Set(), startsBefore: new Map() };

function isAsyncOp(op: BucketOp): op is AsyncOp {
  return op.op === "allReduce" || op.op === "reduceScatter";
}

/** The buckets of `block` (collectiveBuckets.ts) and every other all-reduce and reduce-scatter alone, in block order. */
function callsOf(program: Program, block: Block): BucketOp[][] {
  const buckets = collectiveBuckets(program, block);
  const inBucket = new Set<Op>([...buckets.values()].flat());
  const calls: BucketOp[][] = [];
  for (const statement of block) {
    if (isLoop(statement)) continue;
    const bucket = buckets.get(statement);
    if (bucket) calls.push(bucket);
    else if (!inBucket.has(statement) && (statement.op === "allReduce" || statement.op === "reduceScatter")) calls.push([statement as BucketOp]);
  }
  return calls;
}

/** Where a loop body's ops can start early: its loop, the enclosing block, and that loop's position in it. */
interface Enclosing {
  readonly loop: Loop;
  readonly parent: Block;
  readonly position: number;
}

/** `ops` grouped by `key` (undefined: not grouped), keeping the order of first appearance. */
function groupBy<T, K>(ops: readonly T[], key: (op: T) => K | undefined): { groups: Map<K, T[]>; rest: T[] } {
  const groups = new Map<K, T[]>();
  const rest: T[] = [];
  for (const op of ops) {
    const found = key(op);
    if (found === undefined) rest.push(op);
    else groups.set(found, [...(groups.get(found) ?? []), op]);
  }
  return { groups, rest };
}

/**
 * The schedule of every block of `program` (a lowered program): which buckets start asynchronously, where, and
 * where each is waited on. Deterministic: the same program gives the same schedule on every rank.
 *
 * @example
 * const schedule = collectiveSchedule(lowered);
 * schedule.loopEnd(backwardLoop); // the gradient buckets the update loop waits on, started per backward iteration
 */
export function collectiveSchedule(program: Program, options: CollectiveScheduleOptions = {}): CollectiveSchedule {
  const overlap = options.overlap ?? true;
  const blocks = new Map<Block, BlockSchedule>();
  const loopEnds = new Map<Loop, AsyncBucket[]>();

  const visit = (block: Block, enclosing: Enclosing | undefined): void => {
    const calls = new Map<Op, ScheduledCall[]>();
    const skipped = new Set<Op>();
    const startsBefore = new Map<number, AsyncBucket[]>();
    const position = new Map<Op, number>();
    const definedAt = new Map<ValueId, number>();
    block.forEach((statement, index) => {
      if (isLoop(statement)) for (const id of loopOutputs(statement)) definedAt.set(id, index);
      else {
        position.set(statement, index);
        definedAt.set(statement.output, index);
      }
    });
    const loopPositions = block.flatMap((statement, index) => (isLoop(statement) ? [index] : []));
    // a loop body's indexed reads of yields of earlier loops of the enclosing block: param -> (loop, yield, reversed)
    const yieldSources = new Map<ValueId, { loop: Loop; source: LoopYield; reversed: boolean }>();
    if (enclosing && overlap) {
      const earlier = new Map<LoopYield, Loop>();
      enclosing.parent.slice(0, enclosing.position).forEach((statement) => {
        if (isLoop(statement)) for (const source of loopYields(statement)) earlier.set(source, statement);
      });
      for (const entry of enclosing.loop.indexed) {
        for (const [source, loop] of earlier) {
          const inOrder = entry.items.length === source.items.length && entry.items.every((item, index) => item === source.items[index]);
          const reversed = entry.items.length === source.items.length && entry.items.every((item, index) => item === source.items[source.items.length - 1 - index]);
          // a loop of one iteration reads its item both ways: in order
          if (inOrder || reversed) yieldSources.set(entry.param, { loop, source, reversed: !inOrder });
        }
      }
    }
    for (const call of callsOf(program, block)) {
      const [first] = call;
      const at = position.get(first) ?? 0;
      for (const op of call) if (op !== first) skipped.add(op);
      const scheduled: ScheduledCall[] = [];
      if (!overlap || !call.every(isAsyncOp)) {
        calls.set(first, [{ kind: "sync", ops: call }]);
        continue;
      }
      // across loops: grouped by the earlier loop and direction
      const across = groupBy(call as AsyncOp[], (op) => {
        const found = yieldSources.get(op.inputs[0]);
        return found === undefined ? undefined : `${loopPositionOf(enclosing, found.loop)} ${found.reversed}`;
      });
      for (const ops of across.groups.values()) {
        const { loop, reversed } = yieldSources.get(ops[0].inputs[0]) ?? { loop: undefined, reversed: false };
        if (!loop) continue;
        const bucket: AsyncBucket = { ops, start: { kind: "loopEnd", loop, reversed, inputs: ops.map((op) => yieldSources.get(op.inputs[0])?.source.result ?? op.inputs[0]) } };
        loopEnds.set(loop, [...(loopEnds.get(loop) ?? []), bucket]);
        scheduled.push({ kind: "wait", bucket });
      }
      // within the block: grouped by the first loop between the input and the call
      const within = groupBy(across.rest, (op) => {
        const ready = definedAt.get(op.inputs[0]) ?? -1;
        return loopPositions.find((index) => index > ready && index < at);
      });
      for (const [index, ops] of [...within.groups].sort(([a], [b]) => a - b)) {
        const bucket: AsyncBucket = { ops, start: { kind: "before", index } };
        startsBefore.set(index, [...(startsBefore.get(index) ?? []), bucket]);
        scheduled.push({ kind: "wait", bucket });
      }
      if (within.rest.length > 0) scheduled.push({ kind: "sync", ops: within.rest });
      calls.set(first, scheduled);
    }
    blocks.set(block, { calls, skipped, startsBefore });
    block.forEach((statement, index) => {
      if (isLoop(statement)) visit(statement.body, { loop: statement, parent: block, position: index });
    });
  };
  visit(program.body, undefined);
  return {
    block: (block) => blocks.get(block) ?? emptySchedule,
    loopEnd: (loop) => loopEnds.get(loop) ?? [],
  };
}

/** The position of `loop` in the enclosing block (a stable key for grouping). */
function loopPositionOf(enclosing: Enclosing | undefined, loop: Loop): number {
  return enclosing ? enclosing.parent.indexOf(loop) : -1;
}
