/**
 * Seeded inputs for examples/t5: encoder and decoder token ids, next-token
 * targets and fresh parameters.
 */
import { randomUniform, tensor, type Tensor } from "meshtype";
import { initAttentionParams, initEmbeddingParams, initGatedMlpParams, initRelativeBiasParams, initRmsNormParams, initUnembeddingParams } from "meshtype/stdlib";
import { D, LAYERS, type T5Params } from "./t5.ts";

/** Token ids in `[0, vocab)` from a seed, for the encoder's inputs. */
export function makeEncoderIds(seed: number): Tensor<"batch enc_seq"> {
  const uniform = randomUniform(D, "batch enc_seq", { seed, name: "inputs", low: 0, high: D.sizes.vocab });
  return tensor(D, "batch enc_seq", uniform.data.map((value) => Math.min(Math.floor(value), D.sizes.vocab - 1)));
}

/** Token ids in `[0, vocab)` from a seed, for the decoder's inputs. */
export function makeDecoderIds(seed: number): Tensor<"batch dec_seq"> {
  const uniform = randomUniform(D, "batch dec_seq", { seed, name: "decoderInputs", low: 0, high: D.sizes.vocab });
  return tensor(D, "batch dec_seq", uniform.data.map((value) => Math.min(Math.floor(value), D.sizes.vocab - 1)));
}

/** The decoder's targets of the synthetic task: the next id of every id is `(id + 1) mod vocab`. */
export function nextIds(ids: Tensor<"batch dec_seq">): Tensor<"batch dec_seq"> {
  return tensor(D, "batch dec_seq", ids.data.map((id) => (id + 1) % D.sizes.vocab), { name: "targets" });
}

/** Fresh parameters from a seed, each named by its path. */
export function initT5Params(seed: number): T5Params {
  return {
    embedding: initEmbeddingParams(D, seed, "embedding"),
    encoder: {
      relativeBias: initRelativeBiasParams(D, seed, "encoder.relativeBias"),
      layers: Array.from({ length: LAYERS }, (_, layer) => ({
        attentionNorm: initRmsNormParams(D, seed, `encoder.layers.${layer}.attentionNorm`),
        attention: initAttentionParams(D, seed, `encoder.layers.${layer}.attention`),
        mlpNorm: initRmsNormParams(D, seed, `encoder.layers.${layer}.mlpNorm`),
        mlp: initGatedMlpParams(D, seed, `encoder.layers.${layer}.mlp`),
      })),
      finalNorm: initRmsNormParams(D, seed, "encoder.finalNorm"),
    },
    decoder: {
      relativeBias: initRelativeBiasParams(D, seed + 1, "decoder.relativeBias"),
      layers: Array.from({ length: LAYERS }, (_, layer) => ({
        selfNorm: initRmsNormParams(D, seed, `decoder.layers.${layer}.selfNorm`),
        selfAttention: initAttentionParams(D, seed, `decoder.layers.${layer}.selfAttention`),
        crossNorm: initRmsNormParams(D, seed, `decoder.layers.${layer}.crossNorm`),
        crossAttention: initAttentionParams(D, seed, `decoder.layers.${layer}.crossAttention`),
        mlpNorm: initRmsNormParams(D, seed, `decoder.layers.${layer}.mlpNorm`),
        mlp: initGatedMlpParams(D, seed, `decoder.layers.${layer}.mlp`),
      })),
      finalNorm: initRmsNormParams(D, seed, "decoder.finalNorm"),
    },
    unembedding: initUnembeddingParams(D, seed, "unembedding"),
  };
}
