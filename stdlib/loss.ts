/**
 * Losses written in the DSL. The cross-entropy is arranged so that it stays
 * cheap when the vocabulary is split over a mesh axis (`vocab:model`): the
 * log-sum-exp over `vocab` is decomposed by the compiler into a max
 * all-reduce and a sum all-reduce of `batch x seq` values, and the logit of
 * each label is picked by a full contraction with the one-hot labels, whose
 * partial sum is a single number (one all-reduce of 4 bytes) rather than a
 * `batch x seq` tensor.
 */
import { einsum, logsumexp, mean, mul, oneHot, sub, type Tensor } from "meshtype";
import type { DimsWith } from "./dimsWith.ts";

/**
 * The mean softmax cross-entropy of next-token `logits` against integer
 * `labels` (ids in `[0, vocab)` stored as floats), over every batch and seq
 * position: `mean(logsumexp(logits) - logits[label])`. A label outside
 * `[0, vocab)` one-hots to zeros, so its position contributes
 * `logsumexp(logits)`.
 *
 * @example
 * const logits = gpt(ids, params);                       // "batch seq vocab"
 * const loss = softmaxCrossEntropy(D, logits, targets);  // Tensor<"">
 */
export function softmaxCrossEntropy(
  D: DimsWith<"vocab" | "batch" | "seq">,
  logits: Tensor<"batch seq vocab">,
  labels: Tensor<"batch seq">,
): Tensor<""> {
  const normalizer = mean(logsumexp(logits, "vocab"), "batch seq");
  const picked = einsum(logits, oneHot(labels, "vocab", D.sizes.vocab), "");
  return sub(normalizer, mul(picked, 1 / (D.sizes.batch * D.sizes.seq)));
}
