/**
 * Multi-head attention (Vaswani et al. 2017) and grouped-query attention
 * (Ainslie et al. 2023), Mesh-TF style and generic over the batch and
 * sequence dims: the projections map `d_model` straight to the head dims
 * (`heads d_head`, or `kv_heads q_per_kv d_head`), so splitting the heads over
 * a mesh axis (Megatron) keeps every head's work local and leaves one partial
 * sum, in the output projection. Queries live on one sequence dim and keys and
 * values on another (`seq` and `kv_seq` for self-attention, `dec_seq` and
 * `enc_seq` for an encoder-decoder's cross-attention), so that `q · k` has both.
 * Every other dim of the inputs (batch, ...) is carried through.
 */
import { add, alignAs, dot, greaterEqual, iota, mul, rename, softmax, sub, transpose, type Dims, type HasDim, type HasDims, type Tensor } from "meshtype";
import { initGroupedQueryAttentionParams, initAttentionParams, type AttentionParams, type GroupedQueryAttentionParams } from "./attentionParams.ts";
import type { DimsWith } from "./dimsWith.ts";
import { rotateByPosition, type RopeOptions } from "./rope.ts";

export { initAttentionParams, initGroupedQueryAttentionParams, type AttentionParams, type GroupedQueryAttentionParams };

/** What a masked score becomes: large enough that `exp` of it is exactly 0 in float32. */
export const MASKED_SCORE = -1e9;

/**
 * The additive causal mask over `[seq, kvSeq]`: 0 where the key position is at
 * most the query position (the past and the present), `MASKED_SCORE` where it
 * is in the future.
 *
 * @example
 * causalMask(dims({ seq: 3, kv_seq: 3 }), "seq", "kv_seq").data; // [0, -1e9, -1e9,  0, 0, -1e9,  0, 0, 0]
 */
export function causalMask<Seq extends string, KvSeq extends string>(D: DimsWith<Seq | KvSeq>, seq: Seq, kvSeq: KvSeq): Tensor<`${Seq} ${KvSeq}`> {
  const declared: Dims = D;
  const [query, key]: string[] = [seq, kvSeq];
  const visible = greaterEqual.outer(iota(declared, query), iota(declared, key)); // 1 for the past, 0 for the future
  return transpose(mul(sub(visible, 1), -MASKED_SCORE), `${seq} ${kvSeq}`);
}

/** How attention is called: its two sequence dims, the causal mask, RoPE. */
export interface AttentionOptions<Seq extends string, KvSeq extends string> {
  /** The queries' sequence dim. */
  readonly seq: Seq;
  /** The keys' and values' sequence dim: a name of its own, so the scores have both. */
  readonly kvSeq: KvSeq;
  /** Mask the keys after each query's position (decoders); both dims count positions from 0. */
  readonly causal?: boolean;
  /** Rotate queries and keys by position (RoPE) before their product. */
  readonly rope?: RopeOptions;
  /**
   * Added to the scores before the softmax: a tensor over some of the scores'
   * dims (the two sequence dims and the head dims, e.g. T5's relative position
   * bias `[seq kv_seq heads]`), checked against them when it runs and compiles.
   */
  readonly bias?: Tensor<string>;
}

/**
 * The body of every attention here, on plain tensors (the types cannot follow
 * the head dims there and back): project, optionally rotate, score over
 * `d_head` scaled by `1/sqrt(d_head)`, mask, softmax over `kvSeq`, weight the
 * values, project back over every head dim (what `wo` shares with the context).
 * `keysValues` has its sequence along `keysSeq`: `kvSeq`, or for self-attention
 * the queries' own `seq`, renamed after the projections (so that a training
 * step keeps one input of the projections, not a renamed copy too).
 */
function attend(
  D: Dims, queries: Tensor<string>, keysValues: Tensor<string>, keysSeq: string, params: AttentionParams | GroupedQueryAttentionParams, options: AttentionOptions<string, string>,
): Tensor<string> {
  const kvSeq = options.kvSeq;
  const toKeys = (projection: Tensor<string>): Tensor<string> => (keysSeq === kvSeq ? projection : rename(projection, keysSeq, kvSeq));
  const projected = dot(queries, params.wq);
  const projectedKeys = toKeys(dot(keysValues, params.wk));
  const values = toKeys(dot(keysValues, params.wv));
  const q = options.rope ? rotateByPosition(D, projected, options.seq, options.rope) : projected;
  const k = options.rope ? rotateByPosition(D, projectedKeys, kvSeq, options.rope) : projectedKeys;
  const scores = mul(dot(q, k, "d_head"), 1 / Math.sqrt(D.sizes.d_head));
  const biased = options.bias !== undefined ? add(scores, options.bias) : scores;
  const masked = options.causal ? add(biased, causalMask(D, options.seq, kvSeq)) : biased;
  const weights = softmax(masked, kvSeq);
  return dot(dot(weights, values, kvSeq), params.wo);
}

/**
 * Attention of `queries` over `keysValues` (cross-attention when they differ):
 * multi-head with `AttentionParams`, grouped-query with `GroupedQueryAttentionParams`
 * (each key/value head shared by `q_per_kv` query heads). The result has the
 * queries' dims; every dim of both inputs other than the sequence dims and
 * `d_model` must be shared (batch).
 *
 * @example
 * // decoder queries over the encoder's output
 * const y = attention(D, x, memory, params.cross, { seq: "dec_seq", kvSeq: "enc_seq" }); // -> "batch dec_seq d_model"
 */
export function attention<
  Seq extends string,
  KvSeq extends string,
  Q extends HasDim<Seq> & HasDims<"d_model">,
  K extends HasDim<KvSeq> & HasDims<"d_model">,
>(
  D: DimsWith<Seq | KvSeq | "d_head">,
  queries: Tensor<Q>,
  keysValues: Tensor<K>,
  params: AttentionParams | GroupedQueryAttentionParams,
  options: AttentionOptions<Seq, KvSeq>,
): Tensor<Q> {
  return alignAs(attend(D, queries, keysValues, options.kvSeq, params, options), queries);
}

/**
 * Self-attention over `options.seq`: keys and values are x itself with that dim
 * renamed `options.kvSeq` (declare it in dims({...}), same size).
 *
 * @example
 * const y = selfAttention(D, x, params.attention, { seq: "seq", kvSeq: "kv_seq", causal: true, rope: { base: ROPE_BASE } });
 */
export function selfAttention<Seq extends string, KvSeq extends string, X extends HasDim<Seq> & HasDims<"d_model">>(
  D: DimsWith<Seq | KvSeq | "d_head">,
  x: Tensor<X>,
  params: AttentionParams | GroupedQueryAttentionParams,
  options: AttentionOptions<Seq, KvSeq>,
): Tensor<X> {
  const h: Tensor<string> = x;
  return alignAs(attend(D, h, h, options.seq, params, options), x);
}

/**
 * Causal multi-head self-attention over `seq` (keys over `kv_seq`), GPT-2's:
 * every position attends to itself and the positions before it.
 *
 * @example
 * const y = causalSelfAttention(D, x, params.attention); // x: "batch seq d_model" -> same
 */
export function causalSelfAttention<X extends HasDims<"seq d_model">>(
  D: DimsWith<"seq" | "kv_seq" | "d_head">,
  x: Tensor<X>,
  params: AttentionParams,
): Tensor<X> {
  return selfAttention(D, x, params, { seq: "seq", kvSeq: "kv_seq", causal: true });
}
