/**
 * Buckets: the all-reduces (gradients), reduce-scatters (sharded gradients)
 * and all-gathers (the updated shards of weight-update sharding) of a block
 * that can run together, emitted as one `mesh.all_reduce_many` /
 * `reduce_scatter_many` / `all_gather_many` call over one flat buffer (as
 * DDP's gradient buckets and FSDP's flat parameters are), instead of one
 * collective per tensor.
 *
 * A collective joins the bucket of an earlier one of the same block when it is
 * of the same kind over the same axis (with the same reduction) and its input
 * is defined before that earlier one runs (every value it reads exists there,
 * so running it there changes no result). Every rank runs the same program,
 * so every rank issues the same calls in the same order. A bucket holds at
 * most `bucketCapBytes` of input, DDP's default `bucket_cap_mb=25`
 * (torch.nn.parallel.DistributedDataParallel, PyTorch documentation).
 */
import type { Block, Op, Program, ValueId } from "../../ir/ir.ts";
import { isLoop, loopOutputs } from "../../ir/opAttrs.ts";

/** DDP's default bucket size, 25 MiB (`bucket_cap_mb=25`, torch/nn/parallel/distributed.py). */
export const bucketCapBytes = 25 * 1024 * 1024;

/**
 * The size of DDP's first bucket, 1 MiB (`dist._DEFAULT_FIRST_BUCKET_BYTES`, passed with `bucket_cap_mb` as the
 * bucket size limits in torch/nn/parallel/distributed.py, torch 1.13): the gradients ready first start early
 * instead of waiting for 25 MiB of others.
 */
export const firstBucketBytes = 1024 * 1024;

/** A collective that buckets. */
export type BucketOp = Op & { readonly op: "allReduce" | "reduceScatter" | "allGather" };

/** The group an all-reduce runs over, as the torch runtime names it: `data`, or `data+fsdp` for one over several axes (mesh order). */
export function allReduceGroup(op: Op & { readonly op: "allReduce" }): string {
  return [op.axis, ...(op.alsoOver ?? [])].join("+");
}

/** What collectives of one bucket share (kind, group, reduction): an all-reduce over several axes buckets only with those over the same axes. */
export function bucketKey(op: Op): string | undefined {
  if (op.op === "allReduce") return `${op.op} ${allReduceGroup(op)} ${op.reduce}`;
  if (op.op === "reduceScatter") return `${op.op} ${op.axis} ${op.reduce}`;
  return op.op === "allGather" ? `${op.op} ${op.axis}` : undefined;
}

/**
 * The local bytes of `id` (float32: 4 per entry, an upper bound for bfloat16), from its static local dims: a dim split
 * unevenly counts its largest block (`ceil(size / n)`) on every rank, so every rank computes the same size.
 */
export function localBytes(program: Program, id: ValueId): number {
  const value = program.values.get(id);
  return 4 * (value?.localDims ?? value?.dims ?? []).reduce((product, dim) => product * dim.size, 1);
}

/**
 * The buckets of `block` (its own statements, not its loops' bodies): for the first collective of each bucket of
 * two or more, the collectives it runs in order; the others of a bucket are emitted with it and skipped where they are.
 */
export function collectiveBuckets(program: Program, block: Block, capBytes: number = bucketCapBytes): Map<Op, BucketOp[]> {
  const definedAt = new Map<ValueId, number>();
  block.forEach((statement, index) => {
    for (const id of isLoop(statement) ? loopOutputs(statement) : [statement.output]) definedAt.set(id, index);
  });
  const buckets = new Map<Op, BucketOp[]>();
  const taken = new Set<Op>();
  block.forEach((statement, index) => {
    if (isLoop(statement) || taken.has(statement)) return;
    const key = bucketKey(statement);
    if (key === undefined) return;
    const bucket: BucketOp[] = [statement as BucketOp];
    let bytes = localBytes(program, statement.inputs[0]);
    for (let later = index + 1; later < block.length; later++) {
      const candidate = block[later];
      if (isLoop(candidate) || taken.has(candidate) || bucketKey(candidate) !== key) continue;
      if ((definedAt.get(candidate.inputs[0]) ?? -1) >= index) continue;
      const size = localBytes(program, candidate.inputs[0]);
      if (bytes + size > capBytes) continue;
      bucket.push(candidate as BucketOp);
      taken.add(candidate);
      bytes += size;
    }
    if (bucket.length > 1) buckets.set(statement, bucket);
  });
  return buckets;
}
