/**
 * The Python text of a bucket (collectiveBuckets.ts): one `mesh.*_many` call
 * over one flat buffer for several collectives of one kind over one group,
 * synchronous, or started asynchronously (`mesh.*_many_start`, which returns
 * a handle whose `wait()` gives the results: collectiveSchedule.ts), and the
 * comment that says what it moves.
 */
import type { Program, ValueId } from "../../ir/ir.ts";
import { collectiveUneven } from "../../ir/sharding.ts";
import { collectiveCost } from "../../explain/bytes.ts";
import { allReduceGroup, type BucketOp } from "./collectiveBuckets.ts";
import { pythonString } from "./python.ts";

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
