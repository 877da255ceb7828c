/**
 * Seeded inputs for examples/gpt: token ids and fresh parameters.
 */
import { randomNormal, randomUniform, tensor, type Tensor } from "meshtype";
import {
  initEmbeddingParams,
  initLayerNormParams,
  initTransformerBlockParams,
  initUnembeddingParams,
} from "meshtype/stdlib";
import { D, LAYERS, type GptParams } from "./gpt.ts";

/** The arguments of `gpt`. */
export interface GptInputs {
  readonly ids: Tensor<"batch seq">;
  readonly params: GptParams;
}

/**
 * Token ids in `[0, vocab)`, uniform, from a seed.
 *
 * @example
 * const ids = makeTokenIds(0); // Tensor<"batch seq"> of integers stored as floats
 */
export function makeTokenIds(seed: number): Tensor<"batch seq"> {
  const uniform = randomUniform(D, "batch seq", { seed, name: "ids", low: 0, high: D.sizes.vocab });
  return tensor(D, "batch seq", uniform.data.map((value) => Math.min(Math.floor(value), D.sizes.vocab - 1)), { name: "ids" });
}

/**
 * Fresh GPT parameters from a seed; each tensor's name is its path (`layers.1.mlp.up.w`).
 *
 * @example
 * const params = initGptParams(0);
 */
export function initGptParams(seed: number): GptParams {
  return {
    embedding: initEmbeddingParams(D, seed, "embedding"),
    positions: randomNormal(D, "seq d_model", { seed, name: "positions", std: 0.1 }),
    layers: Array.from({ length: LAYERS }, (_, layer) => initTransformerBlockParams(D, seed, `layers.${layer}`)),
    finalNorm: initLayerNormParams(D, seed, "finalNorm"),
    unembedding: initUnembeddingParams(D, seed, "unembedding"),
  };
}

/**
 * Make the inputs of `gpt` from one seed.
 *
 * @example
 * const { ids, params } = makeGptInputs(0);
 * const logits = gptMegatron(ids, params); // runs eagerly
 */
export function makeGptInputs(seed: number): GptInputs {
  return { ids: makeTokenIds(seed), params: initGptParams(seed) };
}
