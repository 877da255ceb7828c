/**
 * Fixture for the planner's quality tests: an MLP training step (dense, GELU,
 * dense, mean squared error, AdamW) at two sizes, and a top-2 MoE layer's
 * training step, each bound with a data-parallel binding on 8 devices (the
 * planner's starting point; the tests read which plan it finds).
 */
import { dims, gelu, layout, mean, mesh, program, square, sub, valueAndGrad, type Tensor } from "meshtype";
import { adamW, dense, LAYER_NORM_EPSILON, layerNorm, moeTop2, type AdamWState, type DenseParams, type LayerNormParams, type MoeParams } from "meshtype/stdlib";

export interface MlpParams {
  readonly up: DenseParams<"d_model", "d_ff">;
  readonly down: DenseParams<"d_ff", "d_model">;
}

function mlpLoss(params: MlpParams, x: Tensor<"batch d_model">, target: Tensor<"batch d_model">): Tensor<""> {
  const y = dense(gelu(dense(x, params.up)), params.down);
  return mean(square(sub(y, target)), "batch d_model");
}

export function mlpStep(params: MlpParams, state: AdamWState<MlpParams>, x: Tensor<"batch d_model">, target: Tensor<"batch d_model">) {
  const { value, grad } = valueAndGrad(mlpLoss)(params, x, target);
  const next = adamW(params, grad, state, { learningRate: 1e-3 });
  return { params: next.params, state: next.state, loss: value };
}

const M = mesh({ data: 8 });
/** A small model and a large batch: 0.5 M parameters, 262144 rows. */
export const small = dims({ batch: 262144, d_model: 256, d_ff: 1024 });
export const smallMlp = program(mlpStep, { mesh: M, layout: layout(M, small, "batch:data"), dtype: "bf16" });
/** A large model and a small batch: 1.07 G parameters (17 GB with AdamW's state), 64 rows. */
export const large = dims({ batch: 64, d_model: 8192, d_ff: 65536 });
export const largeMlp = program(mlpStep, { mesh: M, layout: layout(M, large, "batch:data"), dtype: "bf16" });

export interface MoeLayerParams {
  readonly norm: LayerNormParams;
  readonly moe: MoeParams;
}
export const moeDims = dims({ batch: 16, seq: 256, kv_seq: 256, d_model: 1024, d_ff: 8192, experts: 8, capacity: 128 });

function moeLoss(params: MoeLayerParams, x: Tensor<"batch seq d_model">, target: Tensor<"batch seq d_model">): Tensor<""> {
  return mean(square(sub(moeTop2(moeDims, layerNorm(x, params.norm, LAYER_NORM_EPSILON), params.moe), target)), "batch seq d_model");
}

export function moeStep(params: MoeLayerParams, state: AdamWState<MoeLayerParams>, x: Tensor<"batch seq d_model">, target: Tensor<"batch seq d_model">) {
  const { value, grad } = valueAndGrad(moeLoss)(params, x, target);
  const next = adamW(params, grad, state, { learningRate: 1e-3 });
  return { params: next.params, state: next.state, loss: value };
}
/** 8 experts of 2 x 1024 x 8192 (134 M parameters, 2.1 GB with AdamW's state). */
export const moeLayer = program(moeStep, { mesh: M, layout: layout(M, moeDims, "batch:data"), dtype: "bf16" });
