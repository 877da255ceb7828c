/**
 * The cross-entropy of stdlib/loss.ts bound to three layouts, for the
 * compiler's tests: the vocabulary split (`vocab:model`), the batch split
 * (`batch:data`), and both.
 */
import { dims, layout, mesh, program, type Tensor } from "meshtype";
import { softmaxCrossEntropy } from "meshtype/stdlib";

/** Small dims: every split size divides its axis. */
export const D = dims({ batch: 4, seq: 2, vocab: 8 });

/** The loss of `logits` against `labels` (ids in `[0, vocab)`). */
export function loss(logits: Tensor<"batch seq vocab">, labels: Tensor<"batch seq">): Tensor<""> {
  return softmaxCrossEntropy(D, logits, labels);
}

/** Vocabulary split over 4 devices. */
export const vocabMesh = mesh({ model: 4 });
export const lossVocab = program(loss, { mesh: vocabMesh, layout: layout(vocabMesh, D, "vocab:model") });

/** Batch split over 4 devices. */
export const dataMesh = mesh({ data: 4 });
export const lossData = program(loss, { mesh: dataMesh, layout: layout(dataMesh, D, "batch:data") });

/** Both, on a 2 x 2 mesh. */
export const mesh2d = mesh({ data: 2, model: 2 });
export const loss2d = program(loss, { mesh: mesh2d, layout: layout(mesh2d, D, "batch:data, vocab:model") });
