/**
 * Seeded inputs for examples/llama: token ids, next-token targets and fresh parameters.
 */
import { randomUniform, tensor, type Tensor } from "meshtype";
import { initEmbeddingParams, initGatedMlpParams, initGroupedQueryAttentionParams, initRmsNormParams, initUnembeddingParams } from "meshtype/stdlib";
import { D, LAYERS, type LlamaParams } from "./llama.ts";

/** Token ids in `[0, vocab)` from a seed. */
export function makeTokenIds(seed: number): Tensor<"batch seq"> {
  const uniform = randomUniform(D, "batch seq", { seed, name: "ids", low: 0, high: D.sizes.vocab });
  return tensor(D, "batch seq", uniform.data.map((value) => Math.min(Math.floor(value), D.sizes.vocab - 1)), { name: "ids" });
}

/** The targets of the synthetic task: the next id of every id is `(id + 1) mod vocab`. */
export function nextIds(ids: Tensor<"batch seq">): Tensor<"batch seq"> {
  return tensor(D, "batch seq", ids.data.map((id) => (id + 1) % D.sizes.vocab), { name: "targets" });
}

/** Fresh parameters from a seed, each named by its path. */
export function initLlamaParams(seed: number): LlamaParams {
  return {
    embedding: initEmbeddingParams(D, seed, "embedding"),
    layers: Array.from({ length: LAYERS }, (_, layer) => ({
      attentionNorm: initRmsNormParams(D, seed, `layers.${layer}.attentionNorm`),
      attention: initGroupedQueryAttentionParams(D, seed, `layers.${layer}.attention`),
      mlpNorm: initRmsNormParams(D, seed, `layers.${layer}.mlpNorm`),
      mlp: initGatedMlpParams(D, seed, `layers.${layer}.mlp`),
    })),
    finalNorm: initRmsNormParams(D, seed, "finalNorm"),
    unembedding: initUnembeddingParams(D, seed, "unembedding"),
  };
}
