/**
 * T5's relative position bias (Raffel et al. 2020): a learned scalar per head
 * and per bucket of the distance between a key and a query, added to the
 * attention scores. Distances below half the buckets get a bucket each; larger
 * ones share logarithmically wider buckets up to `maxDistance`. The encoder's
 * is bidirectional (half the buckets for keys after the query), the decoder's
 * unidirectional (keys after the query are masked anyway). The buckets are
 * computed in the model from iota (abs, log, floor, clamp, where: no constants
 * to pass in), generic over the two sequence dims' names; the bias is one
 * contraction of their one-hot with the table.
 */
import {
  abs, add, clamp, div, dot, floor, greater, iota, less, log, maximum, mul, neg, oneHot, randomNormal, sub, transpose, where,
  type Dims, type Tensor,
} from "meshtype";
import type { DimsWith } from "./dimsWith.ts";

/** The learned table: one scalar per bucket and head. */
export interface RelativeBiasParams {
  readonly table: Tensor<"rel_buckets heads">;
}

/** How distances are bucketed. */
export interface RelativeBiasOptions<Seq extends string, KvSeq extends string> {
  /** The queries' sequence dim. */
  readonly seq: Seq;
  /** The keys' sequence dim. */
  readonly kvSeq: KvSeq;
  /** Keys after the query get buckets of their own (the encoder), or none (the decoder). */
  readonly bidirectional: boolean;
  /** Distances from this on share the last bucket (T5: 128). */
  readonly maxDistance: number;
}

/**
 * The bucket of each (query, key) distance `key - query`, as T5's
 * `_relative_position_bucket` computes it, over `[seq, kvSeq]` (a plain tensor).
 */
export function relativeBuckets(D: Dims, buckets: number, options: RelativeBiasOptions<string, string>): Tensor<string> {
  const distance = neg(sub.outer(iota(D, options.seq), iota(D, options.kvSeq))); // key - query
  const count = options.bidirectional ? buckets / 2 : buckets;
  const offset = mul(greater(distance, 0), options.bidirectional ? count : 0);
  const magnitude = options.bidirectional ? abs(distance) : maximum(neg(distance), 0);
  const exact = count / 2;
  const scale = (count - exact) / Math.log(options.maxDistance / exact);
  const large = clamp(add(floor(mul(log(div(maximum(magnitude, 1), exact)), scale)), exact), 0, count - 1);
  return add(where(less(magnitude, exact), magnitude, large), offset);
}

/**
 * The bias `[seq, kvSeq, heads]` to add to attention scores (`attention`'s `bias` option).
 *
 * @example
 * const bias = relativePositionBias(D, params.relativeBias, { seq: "enc_seq", kvSeq: "enc_kv", bidirectional: true, maxDistance: 16 });
 */
export function relativePositionBias<Seq extends string, KvSeq extends string>(
  D: DimsWith<Seq | KvSeq | "rel_buckets">,
  params: RelativeBiasParams,
  options: RelativeBiasOptions<Seq, KvSeq>,
): Tensor<`${Seq} ${KvSeq} heads`> {
  const declared: Dims = D;
  const hot = oneHot(relativeBuckets(declared, D.sizes.rel_buckets, options), "rel_buckets", D.sizes.rel_buckets);
  return transpose(dot(hot, params.table, "rel_buckets"), `${options.seq} ${options.kvSeq} heads`);
}

/**
 * A fresh table named `${prefix}.table`, normal with std 0.1.
 *
 * @example
 * const relativeBias = initRelativeBiasParams(D, 0, "encoder.relativeBias");
 */
export function initRelativeBiasParams(D: DimsWith<"rel_buckets" | "heads">, seed: number, prefix: string): RelativeBiasParams {
  return { table: randomNormal(D, "rel_buckets heads", { seed, name: `${prefix}.table`, std: 0.1 }) };
}
