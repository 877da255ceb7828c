/**
 * Seeded inputs for examples/uneven: token ids below 50257, their next-token
 * targets, fresh parameters and AdamW state.
 */
import { randomNormal, randomUniform, tensor, type Tensor } from "meshtype";
import {
  initAdamWState,
  initEmbeddingParams,
  initLayerNormParams,
  initTransformerBlockParams,
  initUnembeddingParams,
  type AdamWState,
} from "meshtype/stdlib";
import type { GptParams } from "../gpt/gpt.ts";
import { D, LAYERS } from "./gptVocab50257.ts";

/** Token ids in `[0, vocab)`, uniform, from a seed. */
export function makeTokenIds(seed: number): Tensor<"batch seq"> {
  const uniform = randomUniform(D, "batch seq", { seed, name: "ids", low: 0, high: D.sizes.vocab });
  return tensor(D, "batch seq", uniform.data.map((value) => Math.min(Math.floor(value), D.sizes.vocab - 1)), { name: "ids" });
}

/** The next-token task of examples/train: the target of every id is `(id + 1) mod vocab`. */
export function nextTokens(ids: Tensor<"batch seq">): Tensor<"batch seq"> {
  return tensor(D, "batch seq", ids.data.map((id) => (id + 1) % D.sizes.vocab), { name: "targets" });
}

/** Fresh parameters from a seed; each tensor's name is its path. */
export function initParams(seed: number): GptParams {
  return {
    embedding: initEmbeddingParams(D, seed, "embedding"),
    positions: randomNormal(D, "seq d_model", { seed, name: "positions", std: 0.1 }),
    layers: Array.from({ length: LAYERS }, (_, layer) => initTransformerBlockParams(D, seed, `layers.${layer}`)),
    finalNorm: initLayerNormParams(D, seed, "finalNorm"),
    unembedding: initUnembeddingParams(D, seed, "unembedding"),
  };
}

/** Fresh AdamW state for `params`. */
export function initState(params: GptParams): AdamWState<GptParams> {
  return initAdamWState(D, params);
}
