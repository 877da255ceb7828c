/**
 * The Python text of a bucket (collectiveBuckets.ts): one `mesh.*_many` call
 * over one flat buffer for several collectives of one kind over one group,
 * synchronous, or started asynchronously (`mesh.*_many_start`, which returns
 * a handle whose `wait()` gives the results: collectiveSchedule.ts), or added
 * to a runtime queue of such calls (queues.ts), and the comment that says what
 * it moves.
 */
import type { Program, ValueId } from "../../ir/ir.ts";
import { collectiveUneven } from "../../ir/sharding.ts";
import { collectiveCost } from "../../explain/bytes.ts";
import { allReduceGroup, type BucketOp } from "./collectiveBuckets.ts";
import { pythonString } from "./python.ts";
import type { AsyncOp } from "./collectiveSchedule.ts";
import { queueCalls, type BucketQueue } from "./queues.ts";

/** Why gloo runs a reduce-scatter as other calls (said where one occurs). */
export const glooReduceScatterNote = "on gloo, which has no reduce_scatter in torch 1.13: a ring of point-to-point sends, (n-1)/n of the input";
const glooAsyncReduceScatterNote = "on gloo, which has no reduce_scatter in torch 1.13: one asynchronous all-reduce, keeping this rank's block";

function localDims(program: Program, id: ValueId) {
  const value = program.values.get(id);
  return value?.localDims ?? value?.dims ?? [];
}

/** The position of the dim a reduce-scatter cuts, or an all-gather joins, in its input. */
function dimPosition(program: Program, op: BucketOp): number {
  if (op.op === "allReduce") return -1;
  return localDims(program, op.inputs[0]).findIndex((dim) => dim.name === op.dim);
}

function uneven(program: Program, op: BucketOp) {
  return collectiveUneven(op, program.values.get(op.inputs[0]) ?? {}, program.values.get(op.output) ?? {}, program.mesh);
}

/**
 * The call of `ops` (one kind, one group) on the Python expressions `inputs` (one per op):
 * `mesh.all_reduce_many([...], "data", "sum")`, `mesh.reduce_scatter_many(...)` or `mesh.all_gather_many(...)`;
 * with `start`, the asynchronous `mesh.all_reduce_many_start` / `reduce_scatter_many_start` (an all-gather has none).
 */
export function bucketCall(program: Program, ops: readonly BucketOp[], inputs: readonly string[], start = false): string {
  const [first] = ops;
  const list = `[${inputs.join(", ")}]`;
  const suffix = start ? "_start" : "";
  switch (first.op) {
    case "allReduce":
      return `mesh.all_reduce_many${suffix}(${list}, ${pythonString(allReduceGroup(first))}, ${pythonString(first.reduce)})`;
    case "reduceScatter":
      return `mesh.reduce_scatter_many${suffix}(${list}, ${pythonString(first.axis)}, dims=[${ops.map((op) => dimPosition(program, op)).join(", ")}], reduce=${pythonString(first.reduce)}, ` +
        `pads=[${ops.map((op) => (uneven(program, op).pad ? "True" : "False")).join(", ")}])`;
    case "allGather": {
      if (start) throw new Error("bucketCall: an all-gather bucket has no asynchronous form");
      const sizes = ops.map((op) => uneven(program, op).size ?? "None");
      return `mesh.all_gather_many(${list}, ${pythonString(first.axis)}, dims=[${ops.map((op) => dimPosition(program, op)).join(", ")}], sizes=[${sizes.join(", ")}])`;
    }
  }
}

/** `12 allReduces over "data" (4 devices) in one call: 12864 bytes per device` (and, for gloo's reduce-scatter, how it runs there). */
export function bucketComment(program: Program, ops: readonly BucketOp[], start = false): string {
  const [first] = ops;
  const bytes = ops.reduce((sum, op) => sum + (collectiveCost(program, op)?.bytes ?? 0), 0);
  const groupSize = collectiveCost(program, first)?.groupSize ?? 0;
  const over = first.op === "allReduce" && first.alsoOver !== undefined ? `(${[first.axis, ...first.alsoOver].join(", ")})` : `"${first.axis}"`;
  const note = first.op === "reduceScatter" ? `; ${start ? glooAsyncReduceScatterNote : glooReduceScatterNote}` : "";
  return `${ops.length} ${first.op}${ops.length === 1 ? "" : "s"} over ${over} (${groupSize} devices) in one call: ${bytes} bytes per device${note}`;
}

/** The runtime queue of buckets of `op`'s kind, group and reduction (queues.ts): `mesh.all_reduce_queue("data", "sum")` or `mesh.reduce_scatter_queue(...)`. */
export function queueCall(op: AsyncOp): string {
  return op.op === "allReduce"
    ? `mesh.all_reduce_queue(${pythonString(allReduceGroup(op))}, ${pythonString(op.reduce)})`
    : `mesh.reduce_scatter_queue(${pythonString(op.axis)}, ${pythonString(op.reduce)})`;
}

/** `queue.add([...])` of `ops` on the Python expressions `inputs` (a reduce-scatter's with its `dims=` and `pads=`): the handle of their results. */
export function queueAdd(program: Program, queue: string, ops: readonly AsyncOp[], inputs: readonly string[]): string {
  const list = `[${inputs.join(", ")}]`;
  if (ops[0].op === "allReduce") return `${queue}.add(${list})`;
  return `${queue}.add(${list}, dims=[${ops.map((op) => dimPosition(program, op)).join(", ")}], ` +
    `pads=[${ops.map((op) => (uneven(program, op).pad ? "True" : "False")).join(", ")}])`;
}

/** What a queue's creation says: where its buckets start (`after iterations 0 and 3 of the loop below, and after it`). */
export function queueComment(queue: BucketQueue): string {
  const where = [
    ...(queue.flushBefore ? ["after the adds before the loop"] : []),
    ...(queue.flushAfter.length === queue.loop.count ? ["after every iteration of the loop below"]
      : queue.flushAfter.length > 0 ? [`after iteration${queue.flushAfter.length === 1 ? "" : "s"} ${queue.flushAfter.join(", ")} of the loop below`] : []),
    ...(queue.last === "loopExit" ? ["right after the loop"] : queue.last === "joined" ? ["with the bucket after the loop"] : []),
  ];
  const calls = queueCalls(queue);
  const size = (bytes: number): string => (bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`);
  return `${queue.op.op} buckets filled across the iterations of the loop below, as DDP's (a bucket starts once it holds ` +
    `${size(queue.limits.first)}, the first, or ${size(queue.limits.cap)}): ` +
    `${calls} call${calls === 1 ? "" : "s"}, started ${where.join(", ")}`;
}
