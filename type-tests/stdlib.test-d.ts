/**
 * Type tests of the stdlib layers, generic over the batch and sequence dims:
 * each layer called on other dims gives those dims back (or the computed
 * ones), and a tensor without the dim a layer needs is an error naming it.
 */
import { expectError, expectType } from "tsd";
import { alignAs, dims, zeros, type Tensor, type ValidateAlign } from "../dsl/index.ts";
import {
  attention, causalMask, dense, embed, geGlu, initAttentionParams, initDenseParams, initEmbeddingParams, initGatedMlpParams,
  initGroupedQueryAttentionParams, initLayerNormParams, initMlpParams, initRmsNormParams, initUnembeddingParams, layerNorm, mlp,
  rmsNorm, rotaryEmbedding, selfAttention, softmaxCrossEntropy, swiGlu, unembed, prependToken, relativePositionBias, initRelativeBiasParams,
} from "../stdlib/index.ts";

const D = dims({
  batch: 2, beam: 2, seq: 4, kv_seq: 4, enc_seq: 3, dec_seq: 4, d_model: 8, d_ff: 16, heads: 2, d_head: 4, kv_heads: 1, q_per_kv: 2, vocab: 5,
  rel_buckets: 4,
});
const decoder = zeros(D, "batch dec_seq d_model");
const encoder = zeros(D, "batch enc_seq d_model");

// norms and MLPs keep any dims that have d_model
expectType<Tensor<"batch dec_seq d_model">>(rmsNorm(decoder, initRmsNormParams(D, 0, "n"), 1e-6));
expectType<Tensor<"beam batch seq d_model">>(layerNorm(zeros(D, "beam batch seq d_model"), initLayerNormParams(D, 0, "n"), 1e-5));
expectType<Tensor<"batch enc_seq d_model">>(mlp(encoder, initMlpParams(D, 0, "m")));
expectType<Tensor<"batch dec_seq d_model">>(swiGlu(decoder, initGatedMlpParams(D, 0, "m")));
expectType<Tensor<"batch dec_seq d_model">>(geGlu(decoder, initGatedMlpParams(D, 0, "m")));
expectError(rmsNorm(zeros(D, "batch seq d_ff"), initRmsNormParams(D, 0, "n"), 1e-6));
expectError(mlp(zeros(D, "batch seq"), initMlpParams(D, 0, "m")));

// dense replaces its input dim in place; embed adds d_model to the ids' dims; unembed replaces d_model by vocab
expectType<Tensor<"batch dec_seq d_ff">>(dense(decoder, initDenseParams(D, 0, "up", "d_model", "d_ff")));
expectType<Tensor<"d_ff batch">>(dense(zeros(D, "d_model batch"), initDenseParams(D, 0, "up", "d_model", "d_ff")));
expectError(dense(zeros(D, "batch d_ff"), initDenseParams(D, 0, "up", "d_model", "d_ff")));
expectType<Tensor<"batch dec_seq d_model">>(embed(D, zeros(D, "batch dec_seq"), initEmbeddingParams(D, 0, "e")));
expectType<Tensor<"batch dec_seq vocab">>(unembed(decoder, initUnembeddingParams(D, 0, "u")));

// attention: self or cross, multi-head or grouped-query, over the sequence dims the call names
const mha = initAttentionParams(D, 0, "a");
const gqa = initGroupedQueryAttentionParams(D, 0, "g");
expectType<Tensor<"batch dec_seq d_model">>(attention(D, decoder, encoder, mha, { seq: "dec_seq", kvSeq: "enc_seq" }));
expectType<Tensor<"batch seq d_model">>(selfAttention(D, zeros(D, "batch seq d_model"), gqa, { seq: "seq", kvSeq: "kv_seq", causal: true, rope: { base: 10000 } }));
expectError(attention(D, decoder, encoder, mha, { seq: "dec_sq", kvSeq: "enc_seq" }));
expectError(selfAttention(D, decoder, mha, { seq: "seq", kvSeq: "kv_seq" }));
expectType<Tensor<"dec_seq enc_seq">>(causalMask(D, "dec_seq", "enc_seq"));
expectType<Tensor<"batch seq heads d_head">>(rotaryEmbedding(D, zeros(D, "batch seq heads d_head"), "seq"));

// the loss: labels have the logits' dims without the class dim, in order
expectType<Tensor<"">>(softmaxCrossEntropy(D, zeros(D, "batch dec_seq vocab"), zeros(D, "batch dec_seq")));
expectError(softmaxCrossEntropy(D, zeros(D, "batch dec_seq vocab"), zeros(D, "dec_seq batch")));
expectType<Tensor<"">>(softmaxCrossEntropy(D, zeros(D, "batch heads"), zeros(D, "batch"), "heads"));

// alignAs: y with like's dims, checked where the types know them
expectType<Tensor<"batch dec_seq d_model">>(alignAs(zeros(D, "dec_seq batch d_model"), decoder));
expectError(alignAs(zeros(D, "dec_seq batch"), decoder));
expectType<'alignAs: Tensor<"dec_seq batch"> does not have the dims of Tensor<"batch dec_seq d_model">. Give it exactly those dims, in any order.'>(
  {} as ValidateAlign<"dec_seq batch", "batch dec_seq d_model">,
);
declare const wide: Tensor<string>;
expectType<Tensor<"batch dec_seq d_model">>(alignAs(wide, decoder));

// a class token keeps x's dims (the sequence one longer); the dim must be x's
expectType<Tensor<"batch seq d_model">>(prependToken(zeros(D, "batch seq d_model"), zeros(D, "d_model"), "seq"));
expectError(prependToken(zeros(D, "batch seq d_model"), zeros(D, "d_model"), "tokens"));

// T5's relative position bias: over the two sequence dims the call names, then heads; the dims must be declared
expectType<Tensor<"dec_seq seq heads">>(relativePositionBias(D, initRelativeBiasParams(D, 0, "b"), { seq: "dec_seq", kvSeq: "seq", bidirectional: false, maxDistance: 8 }));
expectError(relativePositionBias(dims({ seq: 4, kv_seq: 4, heads: 2 }), initRelativeBiasParams(D, 0, "b"), { seq: "seq", kvSeq: "kv_seq", bidirectional: true, maxDistance: 8 }));
