/**
 * Example: a Vision Transformer (Dosovitskiy et al. 2021) at test size, and
 * its training step (cross-entropy of the class logits, AdamW), each bound
 * three ways.
 *
 *   data parallel   batch:data                              (data=4)
 *   tensor          heads:model, d_ff:model                 (model=2, Megatron-style)
 *   2-D             batch:data, heads:model, d_ff:model     (2 x 2)
 *
 * The patch embedding is a strided conv2d (4 x 4 patches, stride 4) of the
 * 8 x 8 images; a class token is put in front of the 4 patches (stdlib's
 * prependToken), learned position embeddings are added, and L pre-norm
 * encoder blocks (layerNorm, selfAttention over `tokens`, mlp) run on the 5
 * tokens; the class token's final state gives the logits. Every layer comes
 * from meshtype/stdlib. docs/communication.md (ViT section) gives the bytes of
 * each binding.
 */
import { add, conv2d, dims, layout, mergeDims, mesh, program, rename, slice, sum, valueAndGrad, type Tensor } from "meshtype";
import {
  adamW,
  dense,
  layerNorm,
  LAYER_NORM_EPSILON,
  mlp,
  prependToken,
  selfAttention,
  softmaxCrossEntropy,
  type AdamWHyper,
  type AdamWState,
  type AttentionParams,
  type DenseParams,
  type LayerNormParams,
  type MlpParams,
} from "meshtype/stdlib";

/** The dims: 8 x 8 images of 3 channels cut into 2 x 2 patches of 4 x 4; 5 tokens (the class token first). */
export const D = dims({
  batch: 4, height: 8, width: 8, channels: 3, patch_h: 4, patch_w: 4, patches: 4, tokens: 5, kv_tokens: 5,
  d_model: 16, heads: 4, d_head: 4, d_ff: 32, classes: 8,
});

/** Encoder blocks. */
export const LAYERS = 2;

/** The patch embedding: non-overlapping 4 x 4 windows, one token per patch. */
export const PATCHES = {
  height: "height", width: "width", kernelHeight: "patch_h", kernelWidth: "patch_w", in: "channels", out: "d_model", padding: "valid", stride: 4,
} as const;

/** An encoder block: self-attention and an MLP, each pre-norm with a residual. */
export interface VitBlockParams {
  readonly attentionNorm: LayerNormParams;
  readonly attention: AttentionParams;
  readonly mlpNorm: LayerNormParams;
  readonly mlp: MlpParams;
}

/** Every parameter of the model. */
export interface VitParams {
  readonly patchKernel: Tensor<"patch_h patch_w channels d_model">;
  readonly classToken: Tensor<"d_model">;
  readonly positions: Tensor<"tokens d_model">;
  readonly layers: readonly VitBlockParams[];
  readonly finalNorm: LayerNormParams;
  readonly head: DenseParams<"d_model", "classes">;
}

/** Images in, class logits out. */
export function vit(images: Tensor<"batch height width channels">, params: VitParams): Tensor<"batch classes"> {
  const patches = mergeDims(conv2d(images, params.patchKernel, PATCHES), "height width", "patches");
  let x = add(rename(prependToken(patches, params.classToken, "patches"), "patches", "tokens"), params.positions);
  for (let i = 0; i < LAYERS; i++) {
    const block = params.layers[i];
    x = add(x, selfAttention(D, layerNorm(x, block.attentionNorm, LAYER_NORM_EPSILON), block.attention, { seq: "tokens", kvSeq: "kv_tokens" }));
    x = add(x, mlp(layerNorm(x, block.mlpNorm, LAYER_NORM_EPSILON), block.mlp));
  }
  const classState = sum(slice(layerNorm(x, params.finalNorm, LAYER_NORM_EPSILON), "tokens", 0, 1), "tokens");
  return dense(classState, params.head);
}

export const dataMesh = mesh({ data: 4 });
export const dataLayout = layout(dataMesh, D, "batch:data");
export const modelMesh = mesh({ model: 2 });
export const tensorLayout = layout(modelMesh, D, "heads:model, d_ff:model");
export const mesh2d = mesh({ data: 2, model: 2 });
export const layout2d = layout(mesh2d, D, "batch:data, heads:model, d_ff:model");

export const vitData = program(vit, { mesh: dataMesh, layout: dataLayout });
export const vitTensor = program(vit, { mesh: modelMesh, layout: tensorLayout });
export const vit2d = program(vit, { mesh: mesh2d, layout: layout2d });

/** AdamW's hyperparameters for the example. */
export const HYPER: AdamWHyper = { learningRate: 1e-2, weightDecay: 0 };

/** The mean cross-entropy of the class logits against `labels`. */
export function vitLoss(params: VitParams, images: Tensor<"batch height width channels">, labels: Tensor<"batch">): Tensor<""> {
  return softmaxCrossEntropy(D, vit(images, params), labels, "classes");
}

/** What one step returns. */
export interface VitStepResult {
  readonly params: VitParams;
  readonly state: AdamWState<VitParams>;
  readonly loss: Tensor<"">;
}

/** One training step: forward, backward, AdamW. */
export function vitTrainStep(params: VitParams, state: AdamWState<VitParams>, images: Tensor<"batch height width channels">, labels: Tensor<"batch">): VitStepResult {
  const { value, grad } = valueAndGrad(vitLoss)(params, images, labels);
  const next = adamW(params, grad, state, HYPER);
  return { params: next.params, state: next.state, loss: value };
}

export const vitTrainData = program(vitTrainStep, { mesh: dataMesh, layout: dataLayout });
export const vitTrainTensor = program(vitTrainStep, { mesh: modelMesh, layout: tensorLayout });
export const vitTrain2d = program(vitTrainStep, { mesh: mesh2d, layout: layout2d });
