// Losses whose layers are a kept loop, for the tests of loops through autodiff (loops.test.ts): a carried
// activation and a carried sum, per-layer weights read at the loop index, a weight shared by every layer
// (a free value of the body), a loop-invariant constant, and a loop nested in the layer loop.
import { add, dims, einsum, gelu, layout, mean, mesh, mul, ones, program, square, tanh, valueAndGrad, type Tensor } from "../../../dsl/index.ts";

export const D = dims({ batch: 4, d: 4, e: 8 });

/** One layer's weights. */
export interface Layer {
  readonly w: Tensor<"d e">;
  readonly v: Tensor<"e d">;
  readonly s: Tensor<"d">;
}

/** The layers (as many as the loss reads), a weight every layer reads, and a head. */
export interface Params {
  readonly layers: readonly Layer[];
  readonly shared: Tensor<"d">;
  readonly head: Tensor<"d">;
}

/** The loss of `LAYERS` residual layers over `p.layers`. */
function layersLoss(p: Params, x: Tensor<"batch d">, count: number): Tensor<""> {
  let h = x;
  let total = mul(x, 0);
  for (let i = 0; i < count; i++) {
    const layer = p.layers[i];
    const half = mul(ones(D, "d"), 0.5); // the same in every layer: hoisted out of the loop
    let inner = h;
    for (let j = 0; j < 2; j++) inner = tanh(add(inner, layer.s)); // a loop inside the layer loop
    const up = gelu(einsum(inner, layer.w, "batch e"));
    h = add(mul(h, p.shared), einsum(up, layer.v, "batch d"));
    total = add(total, mul(h, half));
  }
  return add(mean(square(h), "batch d"), mean(mul(total, p.head), "batch d"));
}

/** Three layers. */
export function deepLoss(p: Params, x: Tensor<"batch d">): Tensor<""> {
  return layersLoss(p, x, 3);
}

/** The same model with one layer: the step's IR must have the same size. */
export function shallowLoss(p: Params, x: Tensor<"batch d">): Tensor<""> {
  return layersLoss(p, x, 1);
}

export function deepStep(p: Params, x: Tensor<"batch d">) {
  const { value, grad } = valueAndGrad(deepLoss)(p, x);
  return { loss: value, grad };
}

export function shallowStep(p: Params, x: Tensor<"batch d">) {
  const { value, grad } = valueAndGrad(shallowLoss)(p, x);
  return { loss: value, grad };
}

const M = mesh({ data: 2, model: 2 });
const dataLayout = layout(M, D, "batch:data");
const twoD = layout(M, D, "batch:data, e:model");

export const deepData = program(deepStep, { mesh: M, layout: dataLayout });
export const deep2d = program(deepStep, { mesh: M, layout: twoD });
export const deep2dLayer = program(deepStep, { mesh: M, layout: twoD, recompute: "layer" });
export const deep2dSelective = program(deepStep, { mesh: M, layout: twoD, recompute: "selective" });
export const deepDataLayer = program(deepStep, { mesh: M, layout: dataLayout, recompute: "layer" });
export const shallow2d = program(shallowStep, { mesh: M, layout: twoD });
