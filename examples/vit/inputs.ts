/**
 * Seeded inputs for examples/vit: images, class labels and fresh parameters.
 */
import { randomNormal, randomUniform, tensor, type Tensor } from "meshtype";
import { initAttentionParams, initDenseParams, initLayerNormParams, initMlpParams } from "meshtype/stdlib";
import { D, LAYERS, type VitParams } from "./vit.ts";

/** Images with normal pixels from a seed. */
export function makeImages(seed: number): Tensor<"batch height width channels"> {
  return randomNormal(D, "batch height width channels", { seed, name: "images" });
}

/** Class labels in `[0, classes)` from a seed. */
export function makeLabels(seed: number): Tensor<"batch"> {
  const uniform = randomUniform(D, "batch", { seed, name: "labels", low: 0, high: D.sizes.classes });
  return tensor(D, "batch", uniform.data.map((value) => Math.min(Math.floor(value), D.sizes.classes - 1)), { name: "labels" });
}

/** Fresh parameters from a seed, each named by its path. */
export function initVitParams(seed: number): VitParams {
  const patchFan = D.sizes.patch_h * D.sizes.patch_w * D.sizes.channels;
  return {
    patchKernel: randomNormal(D, "patch_h patch_w channels d_model", { seed, name: "patchKernel", std: 1 / Math.sqrt(patchFan) }),
    classToken: randomNormal(D, "d_model", { seed, name: "classToken", std: 0.02 }),
    positions: randomNormal(D, "tokens d_model", { seed, name: "positions", std: 0.02 }),
    layers: Array.from({ length: LAYERS }, (_, layer) => ({
      attentionNorm: initLayerNormParams(D, seed, `layers.${layer}.attentionNorm`),
      attention: initAttentionParams(D, seed, `layers.${layer}.attention`),
      mlpNorm: initLayerNormParams(D, seed, `layers.${layer}.mlpNorm`),
      mlp: initMlpParams(D, seed, `layers.${layer}.mlp`),
    })),
    finalNorm: initLayerNormParams(D, seed, "finalNorm"),
    head: initDenseParams(D, seed, "head", "d_model", "classes"),
  };
}
