/**
 * Losses written in the DSL, generic over the batch dims. The cross-entropy is
 * arranged so that it stays cheap when the classes are split over a mesh axis
 * (`vocab:model`): the log-sum-exp over them is decomposed by the compiler
 * into a max all-reduce and a sum all-reduce of one value per position, and
 * the logit of each label is picked by a full contraction with the one-hot
 * labels, whose partial sum is a single number (one all-reduce of 4 bytes)
 * rather than one per position.
 */
import { einsum, elementCount, logsumexp, mean, mul, oneHot, sub, type Dims, type HasDim, type HasDims, type ReduceDims, type Tensor } from "meshtype";
import type { DimsWith } from "./dimsWith.ts";

/**
 * The mean softmax cross-entropy of `logits` against integer `labels` (ids in
 * `[0, vocab)` stored as floats) over every position (every dim of the labels):
 * `mean(logsumexp(logits) - logits[label])`. The labels have the logits' dims
 * without the class dim, in the same order. The class dim is `vocab`, or the
 * one named last (`"classes"` for a classifier). A label outside the classes
 * one-hots to zeros, so its position contributes `logsumexp(logits)`.
 *
 * @example
 * const loss = softmaxCrossEntropy(D, gpt(ids, params), targets);           // "batch seq vocab", "batch seq" -> ""
 * const vit = softmaxCrossEntropy(D, logits, labels, "classes");            // "batch classes", "batch" -> ""
 */
export function softmaxCrossEntropy<X extends HasDims<"vocab">>(D: DimsWith<"vocab">, logits: Tensor<X>, labels: Tensor<ReduceDims<X, "vocab">>): Tensor<"">;
export function softmaxCrossEntropy<C extends string, X extends HasDim<C>>(D: DimsWith<C>, logits: Tensor<X>, labels: Tensor<ReduceDims<X, C>>, classes: C): Tensor<"">;
export function softmaxCrossEntropy(D: Dims, logits: Tensor<string>, labels: Tensor<string>, classes = "vocab"): Tensor<""> {
  const normalizer = mean(logsumexp(logits, classes));
  const picked = einsum(logits, oneHot(labels, classes, D.sizes[classes]), "");
  return sub(normalizer, mul(picked, 1 / elementCount(labels)));
}
