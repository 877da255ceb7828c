/**
 * meshtype's standard layers, written in the DSL itself (imported as
 * "meshtype/stdlib"). Each layer is a function over named dims with a params
 * type (an object of tensors) and an `init...Params(D, seed, prefix)` that
 * makes fresh, independently named parameters.
 *
 * @example
 * import { transformerBlock, initTransformerBlockParams } from "meshtype/stdlib";
 * const params = initTransformerBlockParams(D, 0, "layers.0");
 * const y = transformerBlock(D, x, params);
 */
export type { DimsWith } from "./dimsWith.ts";
export { dense, initDenseParams, type DenseParams } from "./dense.ts";
export { layerNorm, initLayerNormParams, LAYER_NORM_EPSILON, type LayerNormParams } from "./layerNorm.ts";
export { rmsNorm, initRmsNormParams, RMS_NORM_EPSILON, type RmsNormParams } from "./rmsNorm.ts";
export { mlp, initMlpParams, swiGlu, geGlu, initGatedMlpParams, type MlpParams, type GatedMlpParams } from "./mlp.ts";
export {
  attention,
  selfAttention,
  causalSelfAttention,
  causalMask,
  initAttentionParams,
  initGroupedQueryAttentionParams,
  MASKED_SCORE,
  type AttentionOptions,
  type AttentionParams,
  type GroupedQueryAttentionParams,
} from "./attention.ts";
export { rotaryEmbedding, ROPE_BASE, type RopeOptions } from "./rope.ts";
export {
  relativePositionBias,
  relativeBuckets,
  initRelativeBiasParams,
  type RelativeBiasParams,
  type RelativeBiasOptions,
} from "./relativeBias.ts";
export { convLayer, initConvParams, type ConvParams, type ConvKernelDims } from "./conv.ts";
export {
  embed,
  unembed,
  initEmbeddingParams,
  initUnembeddingParams,
  type EmbeddingParams,
  type UnembeddingParams,
} from "./embedding.ts";
export { prependToken } from "./tokens.ts";
export { transformerBlock, initTransformerBlockParams, type TransformerBlockParams } from "./transformerBlock.ts";
export { exclusiveCumsumOverSeq } from "./cumsum.ts";
export { firstArgmax, loadBalancingLoss, routerProbabilities, top1Routing, top2Routing, type Routing, type RoutingDims } from "./routing.ts";
export {
  moeTop1,
  moeTop2,
  dispatchToExperts,
  expertMlp,
  combineFromExperts,
  initMoeParams,
  type ExpertMlpParams,
  type MoeParams,
} from "./moe.ts";
export { softmaxCrossEntropy } from "./loss.ts";
export { sgd, initSgdState, adamW, initAdamWState, type SgdState, type SgdHyper, type AdamWState, type AdamWHyper } from "./optim/index.ts";
