/**
 * Gradient buckets and all-reduces over several axes: a bucket is one group,
 * so an all-reduce over (data, model) never joins a bucket over data alone.
 */
import { expect, it } from "vitest";
import { compileProgram } from "../../passes/pipeline.ts";
import { reductions } from "../../testing/programs.ts";
import { allReduceGroup, collectiveBuckets } from "./collectiveBuckets.ts";

it("keeps an all-reduce over several axes out of a bucket over one of them", () => {
  // a max over data (lse) and a max over (data, model) (largest) in one block, the second's input ready before the first
  const lowered = compileProgram(reductions.build([{ name: "data", size: 2 }, { name: "model", size: 2 }], "seq:data, d_model:model"));
  const maxes = lowered.body.filter((op) => op.op === "allReduce" && op.reduce === "max").map((op) => allReduceGroup(op as Parameters<typeof allReduceGroup>[0]));
  expect(maxes).toEqual(["data", "data+model"]);
  const buckets = [...collectiveBuckets(lowered, lowered.body).values()].map((bucket) => bucket.flatMap((op) => (op.op === "allReduce" ? [allReduceGroup(op)] : [])));
  for (const bucket of buckets) expect(new Set(bucket).size, bucket.join(", ")).toBeLessThanOrEqual(1);
  expect(buckets.flat()).not.toContain("data+model");
});
