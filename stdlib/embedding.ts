/**
 * Token embedding and unembedding. The embedding is `oneHot(ids) · table`
 * rather than a gather: with the vocabulary split over a mesh axis
 * (`vocab:model`) each device one-hots against its own rows and the einsum
 * leaves a partial sum over `vocab` (one all-reduce), where a gather would
 * need the whole table. Both are generic over the ids' dims (any batch and
 * sequence dims).
 */
import { dimsOf, dot, oneHot, randomNormal, transpose, type DotDims, type HasDims, type Tensor } from "meshtype";
import type { DimsWith } from "./dimsWith.ts";

/** The embedding table: one `d_model` row per token id. */
export interface EmbeddingParams {
  readonly table: Tensor<"vocab d_model">;
}

/** The unembedding (output projection to logits over the vocabulary). */
export interface UnembeddingParams {
  readonly w: Tensor<"d_model vocab">;
}

/**
 * The rows of the table for each token id. `ids` holds integers in
 * `[0, vocab)` stored as floats; an id outside that range embeds to zeros.
 *
 * @example
 * const x = embed(D, ids, params.embedding); // ids: "batch seq" -> "batch seq d_model"
 * const y = embed(D, targets, params.embedding); // targets: "batch dec_seq" -> "batch dec_seq d_model"
 */
export function embed<I extends string>(D: DimsWith<"vocab">, ids: Tensor<I>, params: EmbeddingParams): Tensor<`${I} d_model`> {
  // oneHot adds a dim to a generic I, which the types cannot check: the body holds the plain tensor
  // and `transpose` states the result's dims (it checks them when it runs and when it compiles).
  const tokens: Tensor<string> = ids;
  return transpose(dot(oneHot(tokens, "vocab", D.sizes.vocab), params.table, "vocab"), `${dimsOf(ids)} d_model`);
}

/**
 * Logits over the vocabulary: `x · w`. With `vocab:model` the logits stay
 * split over `vocab` and nothing is communicated.
 *
 * @example
 * const logits = unembed(x, params.unembedding); // "batch seq d_model" -> "batch seq vocab"
 */
export function unembed<X extends HasDims<"d_model">>(x: Tensor<X>, params: UnembeddingParams): Tensor<DotDims<X, "d_model vocab", "d_model">> {
  return dot(x, params.w, "d_model");
}

/**
 * A fresh embedding table named `${prefix}.table`, normal with std 1 (so
 * embeddings have unit scale, as layer norm expects).
 *
 * @example
 * const embedding = initEmbeddingParams(D, 0, "embedding");
 */
export function initEmbeddingParams(D: DimsWith<"vocab" | "d_model">, seed: number, prefix: string): EmbeddingParams {
  return { table: randomNormal(D, "vocab d_model", { seed, name: `${prefix}.table`, std: 1 }) };
}

/**
 * A fresh unembedding named `${prefix}.w`, normal with std `1/sqrt(d_model)`.
 *
 * @example
 * const unembedding = initUnembeddingParams(D, 0, "unembedding");
 */
export function initUnembeddingParams(D: DimsWith<"vocab" | "d_model">, seed: number, prefix: string): UnembeddingParams {
  return { w: randomNormal(D, "d_model vocab", { seed, name: `${prefix}.w`, std: 1 / Math.sqrt(D.sizes.d_model) }) };
}
