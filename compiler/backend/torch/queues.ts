/**
 * Bucket queues: the gradient buckets of a loop's iterations filled as DDP's
 * are, instead of one bucket per iteration. DDP (torch/nn/parallel/distributed.py,
 * torch 1.13) assigns gradients to buckets in the order they become ready
 * with the size limits `[dist._DEFAULT_FIRST_BUCKET_BYTES, bucket_bytes_cap]`
 * (1 MiB, then `bucket_cap_mb=25` MiB): a bucket takes gradients until it
 * holds at least its limit, then the next one starts. Here the units are
 * adds (the buckets ready before the loop, one iteration's buckets, one
 * bucket after the loop), each of a static size, so the plan is the same on
 * every rank: the generated code adds to a runtime `BucketQueue` (mesh.py)
 * and flushes it where the plan says.
 */
import type { Loop } from "../../ir/ir.ts";
import type { AsyncOp } from "./collectiveSchedule.ts";

/** Where a queue's buckets start: after the adds before the loop, after some iterations, and last. */
export interface QueuePlan {
  /** Start a bucket right after the adds before the loop (they reach the first limit on their own). */
  readonly flushBefore: boolean;
  /** The iterations (0-based, in execution order) after whose adds a bucket starts. */
  readonly flushAfter: readonly number[];
  /**
   * The last bucket: `loopExit`, started right after the loop; `joined`, with the bucket after the loop added to it
   * and started where that bucket was; `none`, when the last iteration started it (nothing is left after the loop).
   */
  readonly last: "loopExit" | "joined" | "none";
}

/** A queue of asynchronous buckets of one kind, group and reduction, filled in the iterations of `loop` (collectiveSchedule.ts). */
export interface BucketQueue extends QueuePlan {
  /** The loop whose iterations add to it. */
  readonly loop: Loop;
  /** One of its collectives: its kind, group and reduction are the queue's. */
  readonly op: AsyncOp;
  /** The sizes at which its first bucket and the others start. */
  readonly limits: QueueLimits;
}

/** The sizes (bytes per device) at which a queue's first bucket and its others start. */
export interface QueueLimits {
  readonly first: number;
  readonly cap: number;
}

/** The static sizes (bytes per device; an uneven split's largest block) of what a queue is given, in order. */
export interface QueueSizes {
  /** The buckets ready before the loop (0: none). */
  readonly before: number;
  /** One iteration's buckets. */
  readonly perIteration: number;
  readonly iterations: number;
  /** A synchronous bucket after the loop that may join the last bucket; undefined: none. */
  readonly after?: number;
}

/**
 * DDP's bucket assignment over the adds: a bucket starts once it holds `first` bytes (the first bucket) or `cap`
 * (the others); what is left after the last iteration starts after the loop, joined by the bucket after the loop
 * when the two together stay within `cap`.
 *
 * @example
 * planQueue({ before: 2180, perIteration: 12864, iterations: 2, after: 2560 }, { first: 1 << 20, cap: 25 << 20 });
 * // { flushBefore: false, flushAfter: [], last: "joined" }: one bucket for the whole step
 */
export function planQueue(sizes: QueueSizes, limits: QueueLimits): QueuePlan {
  let limit = limits.first;
  let size = sizes.before;
  let flushBefore = false;
  if (size > 0 && size >= limit) {
    flushBefore = true;
    size = 0;
    limit = limits.cap;
  }
  const flushAfter: number[] = [];
  for (let iteration = 0; iteration < sizes.iterations; iteration++) {
    size += sizes.perIteration;
    if (size >= limit) {
      flushAfter.push(iteration);
      size = 0;
      limit = limits.cap;
    }
  }
  const last = size === 0 ? "none" : sizes.after !== undefined && size + sizes.after <= limits.cap ? "joined" : "loopExit";
  return { flushBefore, flushAfter, last };
}

/** How many collectives a queue starts per run of its loop: one per flush. */
export function queueCalls(plan: QueuePlan): number {
  return (plan.flushBefore ? 1 : 0) + plan.flushAfter.length + (plan.last === "none" ? 0 : 1);
}
