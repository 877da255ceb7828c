/**
 * Fixture for `meshtype plan`'s pipeline tests: a stack of 8 residual MLP
 * blocks (d_model 8192, d_ff 32768: 4.3 G parameters) as one AdamW training
 * step in bf16, batch 32 of 1024 tokens, bound with Megatron-LM's layout on
 * 4 DGX A100 nodes (tensor parallel 8 inside a node, data parallel across).
 */
import { add, dims, gelu, layout, mean, mesh, program, square, sub, valueAndGrad, type Tensor } from "meshtype";
import { adamW, dense, type AdamWState, type DenseParams } from "meshtype/stdlib";

export const Deep = dims({ batch: 32, seq: 1024, d_model: 8192, d_ff: 32768 });
export const DEEP_LAYERS = 8;

export interface BlockParams {
  readonly up: DenseParams<"d_model", "d_ff">;
  readonly down: DenseParams<"d_ff", "d_model">;
}

export interface DeepParams {
  readonly layers: readonly BlockParams[];
}

function deepLoss(params: DeepParams, x: Tensor<"batch seq d_model">, target: Tensor<"batch seq d_model">): Tensor<""> {
  let h = x;
  for (let i = 0; i < DEEP_LAYERS; i++) h = add(h, dense(gelu(dense(h, params.layers[i].up)), params.layers[i].down));
  return mean(square(sub(h, target)), "batch seq d_model");
}

export function deepStep(params: DeepParams, state: AdamWState<DeepParams>, x: Tensor<"batch seq d_model">, target: Tensor<"batch seq d_model">) {
  const { value, grad } = valueAndGrad(deepLoss)(params, x, target);
  const next = adamW(params, grad, state, { learningRate: 1e-4 });
  return { params: next.params, state: next.state, loss: value };
}

const nodes4 = mesh({ data: 4, model: 8 });
export const deepMlp = program(deepStep, { mesh: nodes4, layout: layout(nodes4, Deep, "batch:data, d_ff:model"), dtype: "bf16" });
