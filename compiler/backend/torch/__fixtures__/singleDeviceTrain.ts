// A bigram language model's training step (embedding, unembedding, cross-entropy, AdamW) on one device, for the test
// that runs the torchrun line of `meshtype build --help` as printed (compiler/cli/torchrunHelp.test.ts): one process,
// inputs from --init-seed (token ids and targets whole numbers below the vocab, AdamW's state zeros).
import { dims, layout, mesh, program, valueAndGrad, type Tensor } from "../../../../dsl/index.ts";
import { adamW, embed, softmaxCrossEntropy, unembed, type AdamWState, type EmbeddingParams, type UnembeddingParams } from "../../../../stdlib/index.ts";

const D = dims({ batch: 2, seq: 4, d_model: 8, vocab: 16 });

/** The bigram model: each token's logits for the next one. */
export interface BigramParams {
  readonly embedding: EmbeddingParams;
  readonly unembedding: UnembeddingParams;
}

function bigramLoss(params: BigramParams, ids: Tensor<"batch seq">, targets: Tensor<"batch seq">): Tensor<""> {
  return softmaxCrossEntropy(D, unembed(embed(D, ids, params.embedding), params.unembedding), targets);
}

/** One step: the loss, its gradients and AdamW. */
export function bigramStep(params: BigramParams, state: AdamWState<BigramParams>, ids: Tensor<"batch seq">, targets: Tensor<"batch seq">) {
  const { value, grad } = valueAndGrad(bigramLoss)(params, ids, targets);
  const next = adamW(params, grad, state, { learningRate: 1e-2 });
  return { params: next.params, state: next.state, loss: value };
}

const oneDevice = mesh({ data: 1 });

export const bigramOneDevice = program(bigramStep, { mesh: oneDevice, layout: layout(oneDevice, D, "batch:data") });
