// Module-level constant tensors in compiled programs (compiler/frontend/constants.test.ts): data written as an
// array literal, built with Array.from / Float32Array.from / new Float32Array(n).fill, and tables computed by
// eager ops at module level (a RoPE-style sin/cos table); used by a forward pass and a training step, under
// layouts that split the constants' dims over one axis, two axes and none.
import {
  add, cos, dims, einsum, iota, layout, mean, mesh, mul, program, sin, square, sub, tensor, valueAndGrad, type Tensor,
} from "../../../dsl/index.ts";

export const D = dims({ batch: 4, seq: 4, d: 8, f: 4 });

/** A bias written out. */
export const BIAS = tensor(D, "d", [0.5, -1, 2, 0.25, -0.125, 3, -2, 1]);

/** A table computed from its index, as a user writes a lookup table. */
export const TABLE = tensor(D, "seq d", Array.from({ length: 32 }, (_, i) => Math.sin(i / 7) + Math.floor(i / 8)));

/** Filled data. */
const HALVES = tensor(D, "f", new Float32Array(4).fill(0.5));

/** Mapped data. */
const RAMP = tensor(D, "f", [0, 1, 2, 3].map((value) => value / 4 - Math.cos(value)));

/** Frequencies from a typed array, then a sin/cos table made by eager ops at module level. */
const FREQUENCIES = tensor(D, "d", Float32Array.from([1, 0.5, 0.25, 0.125, 1, 0.5, 0.25, 0.125]));
const ANGLES = mul.outer(iota(D, "seq"), FREQUENCIES);
export const SIN = sin(ANGLES);
export const COS = cos(ANGLES);

/** Every constant in one function of x. */
export function forward(x: Tensor<"batch seq d">, w: Tensor<"d f">): Tensor<"batch seq f"> {
  const rotated = add(mul(x, COS), mul(add(x, BIAS), SIN));
  // a constant written in the model itself, from its own numbers
  const weights = tensor(D, "f", Array.from({ length: 4 }, (_, i) => 1 + i / D.sizes.f));
  return add(mul(einsum(mul(rotated, TABLE), w, "batch seq f"), weights), add(HALVES, RAMP));
}

function loss(w: Tensor<"d f">, x: Tensor<"batch seq d">): Tensor<""> {
  return mean(square(sub(forward(x, w), HALVES)), "batch seq f");
}

/** The loss and the gradient of w (the constants have none). */
export function trainStep(w: Tensor<"d f">, x: Tensor<"batch seq d">) {
  const { value, grad } = valueAndGrad(loss)(w, x);
  return { loss: value, grad };
}

/** Layers in a kept loop, each reading the constants: its backward recomputes them ("layer" recomputation). */
function deepLoss(layers: readonly Tensor<"d f">[], x: Tensor<"batch seq d">): Tensor<""> {
  let total = mean(x, "batch seq d");
  for (let i = 0; i < 3; i++) total = add(total, loss(layers[i], x));
  return total;
}

/** The gradients of every layer. */
export function deepStep(layers: readonly Tensor<"d f">[], x: Tensor<"batch seq d">) {
  return valueAndGrad(deepLoss)(layers, x).grad;
}

const Line4 = mesh({ data: 4 });
const M4 = mesh({ data: 2, model: 2 });

export const whole = program(forward, { mesh: Line4, layout: layout(Line4, D, "batch:data") });
export const split = program(forward, { mesh: Line4, layout: layout(Line4, D, "d:data") });
export const twoAxes = program(forward, { mesh: M4, layout: layout(M4, D, "seq:data, d:model") });
export const trainSplit = program(trainStep, { mesh: M4, layout: layout(M4, D, "batch:data, d:model") });
export const deepSplit = program(deepStep, { mesh: M4, layout: layout(M4, D, "seq:data, d:model"), recompute: "layer" });
