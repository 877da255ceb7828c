// Loops kept as IR loops: carried values, `layers[i]` over a tuple and over an
// array whose length comes from the loop bound, for...of over tensors (kept)
// and over strings (unrolled), and a loop nested in another.
import { add, einsum, program, relu, rename, tanh, type Tensor } from "./dsl.ts";
import { D as Sizes, L, LAYERS, M } from "./config.ts";

interface Layer {
  readonly up: Tensor<"d_model d_ff">;
  readonly down: Tensor<"d_ff d_model">;
}

function layer(x: Tensor<"batch d_model">, params: Layer): Tensor<"batch d_model"> {
  return add(x, einsum(relu(einsum(x, params.up, "batch d_ff")), params.down, "batch d_model"));
}

export function stack(x: Tensor<"batch d_model">, layers: readonly Layer[]) {
  let y = x;
  for (let i = 0; i < LAYERS; i++) {
    y = layer(y, layers[i]);
  }
  return y;
}

export function pair(x: Tensor<"batch d_model">, layers: [Layer, Layer], extra: readonly Tensor<"batch d_model">[]) {
  let state = { h: x, total: x };
  for (const params of layers) {
    const h = layer(state.h, params);
    state = { h, total: add(state.total, h) };
  }
  for (const name of ["a", "b"]) {
    state = { h: tanh(rename(rename(state.h, "d_model", name), name, "d_model") as Tensor<"batch d_model">), total: state.total };
  }
  for (let i = 0; i < 2; i++) {
    for (let j = 1; j <= 2; j++) {
      state = { h: add(state.h, extra[j]), total: state.total };
    }
  }
  return state;
}

export const stack4 = program(stack, { mesh: M, layout: L });
export const pair4 = program(pair, { mesh: M, layout: L });
void Sizes;
