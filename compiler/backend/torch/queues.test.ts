/**
 * DDP's bucket assignment over a queue's adds (planQueue): a bucket starts
 * once it holds the first limit (1 MiB), then each once it holds the cap
 * (25 MiB); the rest starts after the loop, joined by the bucket after it
 * where the two stay within the cap.
 */
import { describe, expect, test } from "vitest";
import { bucketCapBytes, firstBucketBytes } from "./collectiveBuckets.ts";
import { planQueue, queueCalls } from "./queues.ts";

const ddp = { first: firstBucketBytes, cap: bucketCapBytes };
const MiB = 1024 * 1024;

describe("planQueue", () => {
  test("DDP's limits are torch 1.13's: a first bucket of 1 MiB, the others 25 MiB", () => {
    expect(ddp).toEqual({ first: 1048576, cap: 26214400 });
  });

  test("the example's step (KBs per layer) is one bucket, started with the bucket after the loop", () => {
    const plan = planQueue({ before: 2180, perIteration: 12864, iterations: 2, after: 2560 }, ddp);
    expect(plan).toEqual({ flushBefore: false, flushAfter: [], last: "joined" });
    expect(queueCalls(plan)).toBe(1);
  });

  test("without a bucket after the loop, the one bucket starts right after it", () => {
    expect(planQueue({ before: 0, perIteration: 12864, iterations: 2 }, ddp)).toEqual({ flushBefore: false, flushAfter: [], last: "loopExit" });
  });

  test("layers of a few MB: the first layer closes the first bucket, then the buckets fill to 25 MiB", () => {
    const plan = planQueue({ before: 0.5 * MiB, perIteration: 3 * MiB, iterations: 24, after: 1 * MiB }, ddp);
    // the first bucket: the adds before the loop and layer 0 (past 1 MiB); then 9 layers (27 MiB >= 25 MiB) per bucket
    expect(plan.flushBefore).toBe(false);
    expect(plan.flushAfter).toEqual([0, 9, 18]);
    // 5 layers (15 MiB) are left, and the bucket after the loop fits with them
    expect(plan.last).toBe("joined");
    expect(queueCalls(plan)).toBe(4);
  });

  test("layers past the cap: one bucket per layer, nothing left after the loop", () => {
    const plan = planQueue({ before: 0, perIteration: 30 * MiB, iterations: 3, after: 1 * MiB }, ddp);
    expect(plan).toEqual({ flushBefore: false, flushAfter: [0, 1, 2], last: "none" });
    expect(queueCalls(plan)).toBe(3);
  });

  test("what is ready before the loop starts its own bucket when it fills the first one", () => {
    const plan = planQueue({ before: 2.4 * MiB, perIteration: 20000, iterations: 2, after: 2.4 * MiB }, ddp);
    expect(plan).toEqual({ flushBefore: true, flushAfter: [], last: "joined" });
  });

  test("a bucket after the loop that would push the last one past the cap stays out of it", () => {
    const plan = planQueue({ before: 0, perIteration: 2 * MiB, iterations: 2, after: 24 * MiB }, ddp);
    expect(plan).toEqual({ flushBefore: false, flushAfter: [0], last: "loopExit" });
  });
});
