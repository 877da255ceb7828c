// A model with a loop over a layer array and a training step (valueAndGrad, SGD with momentum, weight-update sharding): the
// tarball test builds it in the fresh project and type-checks the generated module under the tsc --init flags.
import { dims, einsum, layout, mean, mesh, program, randomNormal, relu, square, sub, valueAndGrad, type Tensor } from "meshtype";
import { initSgdState, sgd, type SgdState } from "meshtype/stdlib";

export const D = dims({ batch: 4, d: 8, e: 16 });
export const M = mesh({ data: 2, model: 2 });
export const L = layout(M, D, "batch:data, e:model");
const LAYERS = 3;

export interface Layer { readonly up: Tensor<"d e">; readonly down: Tensor<"e d"> }
export interface Params { readonly layers: readonly Layer[] }

export function forward(params: Params, x: Tensor<"batch d">): Tensor<"batch d"> {
  let h = x;
  for (let i = 0; i < LAYERS; i++) {
    const layer = params.layers[i]!;
    h = einsum(relu(einsum(h, layer.up, "batch e")), layer.down, "batch d");
  }
  return h;
}

function loss(params: Params, x: Tensor<"batch d">, y: Tensor<"batch d">): Tensor<""> {
  return mean(square(sub(forward(params, x), y)), "batch d");
}

export function step(params: Params, state: SgdState<Params>, x: Tensor<"batch d">, y: Tensor<"batch d">) {
  const { value, grad } = valueAndGrad(loss)(params, x, y);
  const next = sgd(params, grad, state, { learningRate: 0.1, momentum: 0.9 });
  return { params: next.params, state: next.state, loss: value, first: params.layers[0]!.up };
}

export const forward2d = program(forward, { mesh: M, layout: L });
export const step2d = program(step, { mesh: M, layout: L, weightUpdateSharding: "data" });

export const params: Params = { layers: Array.from({ length: LAYERS }, (_, i) => ({ up: randomNormal(D, "d e", { seed: i, name: `up${i}`, std: 0.25 }), down: randomNormal(D, "e d", { seed: i, name: `down${i}`, std: 0.25 }) })) };
export const state = initSgdState(params);
export const x = randomNormal(D, "batch d", { seed: 9, name: "x" });
export const y = randomNormal(D, "batch d", { seed: 10, name: "y" });
