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
 * The buckets started across the iterations of a loop fill as DDP's do (a
 * `BucketQueue`, queues.ts): per kind, group and reduction, the buckets
 * started before that loop, each iteration's and one synchronous bucket
 * after the loop (where it comes before every wait of the queue and fits)
 * are added to one queue (`bucket_queue.add([...])`), and a bucket starts
 * once it holds `firstBucketBytes` (the first) or `bucketCapBytes` (the
 * others) (`bucket_queue.flush()`), the rest after the loop. At the
 * example's small dims the whole step is one bucket (one call, not one per
 * layer and two more); where a layer's gradients fill a bucket each layer's
 * still starts at the end of its iteration. Where to flush is computed here
 * from static sizes (an uneven split counts its largest block), so every
 * rank flushes at the same adds.
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
import { bucketCapBytes, bucketKey, collectiveBuckets, firstBucketBytes, localBytes, type BucketOp } from "./collectiveBuckets.ts";
import { planQueue, type BucketQueue } from "./queues.ts";

export type { BucketQueue } from "./queues.ts";

/** A collective that can run asynchronously. */
export type AsyncOp = BucketOp & { readonly op: "allReduce" | "reduceScatter" };

/** Collectives issued as one asynchronous call (or one add to a queue of such calls), and where. */
export interface AsyncBucket {
  /** The collectives, in call order (one flat buffer). */
  readonly ops: readonly AsyncOp[];
  /** The queue it is added to (its call starts at the queue's next flush); undefined: its own call where it starts. */
  readonly queue?: BucketQueue;
  /**
   * `before`: just before statement `index` of the block that holds the ops (a loop);
   * `loopEnd`: at the end of every iteration of `loop`, an earlier loop of the enclosing block, with `inputs`
   * (per op, the value of that loop's body it yields) and `reversed` (iteration k of the ops' loop reads the
   * earlier loop's iteration count - 1 - k);
   * `joined`: added to `queue` where it is waited on, just before the waits there (the queue's last bucket).
   */
  readonly start:
    | { readonly kind: "before"; readonly index: number }
    | { readonly kind: "joined" }
    | { readonly kind: "loopEnd"; readonly loop: Loop; readonly inputs: readonly ValueId[]; readonly reversed: boolean };
}

/**
 * What is emitted where the first op of a call stood: a synchronous bucket, the wait of an asynchronous one, or the
 * start of a `joined` one (its add to its queue and the queue's flush; before the waits of the same position).
 */
export type ScheduledCall =
  | { readonly kind: "sync"; readonly ops: readonly BucketOp[] }
  | { readonly kind: "wait"; readonly bucket: AsyncBucket }
  | { readonly kind: "start"; readonly bucket: AsyncBucket };

/** The schedule of one block's own statements (not of its loops' bodies). */
export interface BlockSchedule {
  /** By the op where they are emitted: the calls (synchronous buckets and waits), in order. */
  readonly calls: ReadonlyMap<Op, readonly ScheduledCall[]>;
  /** Ops emitted as part of a call elsewhere (another op's call, or a start): not emitted where they stand. */
  readonly skipped: ReadonlySet<Op>;
  /** By statement index: the asynchronous calls started just before it. */
  readonly startsBefore: ReadonlyMap<number, readonly AsyncBucket[]>;
  /** By statement index (a loop): the queues created just before it (before its `startsBefore`), filled in its iterations. */
  readonly queuesBefore: ReadonlyMap<number, readonly BucketQueue[]>;
}

/** The schedule of a whole program. */
export interface CollectiveSchedule {
  /** `block`'s schedule (an empty one for a block the program does not hold). */
  block(block: Block): BlockSchedule;
  /** The asynchronous calls started at the end of every iteration of `loop`, in order. */
  loopEnd(loop: Loop): readonly AsyncBucket[];
  /** The queues filled in the iterations of `loop` (`loopEnd` buckets with a `queue`), in order. */
  queues(loop: Loop): readonly BucketQueue[];
}

/** Options of `collectiveSchedule`. */
export interface CollectiveScheduleOptions {
  /** Start buckets asynchronously where their inputs exist (default true); false keeps every bucket where it is, synchronous. */
  readonly overlap?: boolean;
  /** The size at which a queue's first bucket starts (default `firstBucketBytes`, DDP's 1 MiB). */
  readonly firstBucketBytes?: number;
  /** The size at which a queue's other buckets start, and the most a bucket after the loop adds to the last (default `bucketCapBytes`, 25 MiB). */
  readonly bucketCapBytes?: number;
}

const emptySchedule: BlockSchedule = { calls: new Map(), skipped: new Set(), startsBefore: new Map(), queuesBefore: new Map() };

/** An `AsyncBucket` while the schedule is built: its queue is set once every bucket of the program is known. */
type BuildingBucket = { -readonly [K in keyof AsyncBucket]: AsyncBucket[K] };

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
  const blocks = new Map<Block, { calls: Map<Op, ScheduledCall[]>; skipped: Set<Op>; startsBefore: Map<number, AsyncBucket[]>; queuesBefore: Map<number, BucketQueue[]> }>();
  const loopEnds = new Map<Loop, BuildingBucket[]>();
  const loopQueues = new Map<Loop, BucketQueue[]>();
  // where each loop stands, and where (the statement of that block) each loop-end or before bucket is waited on
  const homes = new Map<Loop, { block: Block; index: number }>();
  const waitedAt = new Map<AsyncBucket, number>();

  const visit = (block: Block, enclosing: Enclosing | undefined): void => {
    const calls = new Map<Op, ScheduledCall[]>();
    const skipped = new Set<Op>();
    const startsBefore = new Map<number, AsyncBucket[]>();
    const position = new Map<Op, number>();
    const definedAt = new Map<ValueId, number>();
    block.forEach((statement, index) => {
      if (isLoop(statement)) {
        homes.set(statement, { block, index });
        for (const id of loopOutputs(statement)) definedAt.set(id, index);
      } else {
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
        if (!loop || !enclosing) continue;
        const bucket: BuildingBucket = { ops, start: { kind: "loopEnd", loop, reversed, inputs: ops.map((op) => yieldSources.get(op.inputs[0])?.source.result ?? op.inputs[0]) } };
        loopEnds.set(loop, [...(loopEnds.get(loop) ?? []), bucket]);
        waitedAt.set(bucket, enclosing.position);
        scheduled.push({ kind: "wait", bucket });
      }
      // within the block: grouped by the first loop between the input and the call
      const within = groupBy(across.rest, (op) => {
        const ready = definedAt.get(op.inputs[0]) ?? -1;
        return loopPositions.find((index) => index > ready && index < at);
      });
      for (const [index, ops] of [...within.groups].sort(([a], [b]) => a - b)) {
        const bucket: BuildingBucket = { ops, start: { kind: "before", index } };
        startsBefore.set(index, [...(startsBefore.get(index) ?? []), bucket]);
        waitedAt.set(bucket, at);
        scheduled.push({ kind: "wait", bucket });
      }
      if (within.rest.length > 0) scheduled.push({ kind: "sync", ops: within.rest });
      calls.set(first, scheduled);
    }
    blocks.set(block, { calls, skipped, startsBefore, queuesBefore: new Map() });
    block.forEach((statement, index) => {
      if (isLoop(statement)) visit(statement.body, { loop: statement, parent: block, position: index });
    });
  };
  visit(program.body, undefined);

  // the queues: per loop that starts buckets and per kind, group and reduction, the loop-end buckets with the
  // buckets started before that loop and (where it fits and comes before every wait) one synchronous bucket after it
  const limits = { first: options.firstBucketBytes ?? firstBucketBytes, cap: options.bucketCapBytes ?? bucketCapBytes };
  const bytesOf = (ops: readonly AsyncOp[]): number => ops.reduce((sum, op) => sum + localBytes(program, op.inputs[0]), 0);
  for (const [loop, started] of loopEnds) {
    const home = homes.get(loop);
    const schedule = home && blocks.get(home.block);
    if (!home || !schedule) continue;
    const { groups } = groupBy(started, (bucket) => bucketKey(bucket.ops[0]));
    for (const [key, inLoop] of groups) {
      const before = (schedule.startsBefore.get(home.index) ?? []).filter((bucket) => bucketKey(bucket.ops[0]) === key) as BuildingBucket[];
      const firstWait = Math.min(...[...inLoop, ...before].map((bucket) => waitedAt.get(bucket) ?? home.index));
      // a synchronous bucket of the same key after the loop, at or before every wait of the queue
      let after: { at: Op; calls: ScheduledCall[]; sync: { kind: "sync"; ops: readonly BucketOp[] } } | undefined;
      for (const [at, calls] of schedule.calls) {
        const index = home.block.indexOf(at);
        if (index <= home.index || index > firstWait) continue;
        const sync = calls.find((call): call is { kind: "sync"; ops: readonly BucketOp[] } => call.kind === "sync" && call.ops.every(isAsyncOp) && bucketKey(call.ops[0]) === key);
        if (sync && (!after || index < home.block.indexOf(after.at))) after = { at, calls, sync };
      }
      const plan = planQueue({
        before: before.reduce((sum, bucket) => sum + bytesOf(bucket.ops), 0),
        perIteration: inLoop.reduce((sum, bucket) => sum + bytesOf(bucket.ops), 0),
        iterations: loop.count,
        after: after ? bytesOf(after.sync.ops as AsyncOp[]) : undefined,
      }, limits);
      const queue: BucketQueue = { loop, op: inLoop[0].ops[0], limits, ...plan };
      for (const bucket of [...before, ...inLoop]) bucket.queue = queue;
      if (after && plan.last === "joined") {
        const joined: BuildingBucket = { ops: after.sync.ops as AsyncOp[], start: { kind: "joined" }, queue };
        const rest = after.calls.map((call): ScheduledCall => (call === after?.sync ? { kind: "wait", bucket: joined } : call));
        schedule.calls.set(after.at, [{ kind: "start", bucket: joined }, ...rest]);
      }
      schedule.queuesBefore.set(home.index, [...(schedule.queuesBefore.get(home.index) ?? []), queue]);
      loopQueues.set(loop, [...(loopQueues.get(loop) ?? []), queue]);
    }
  }
  return {
    block: (block) => blocks.get(block) ?? emptySchedule,
    loopEnd: (loop) => loopEnds.get(loop) ?? [],
    queues: (loop) => loopQueues.get(loop) ?? [],
  };
}

/** The position of `loop` in the enclosing block (a stable key for grouping). */
function loopPositionOf(enclosing: Enclosing | undefined, loop: Loop): number {
  return enclosing ? enclosing.parent.indexOf(loop) : -1;
}
