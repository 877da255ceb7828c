// Training steps with `checkpoint(f)` (per-call activation recomputation), for checkpoint.test.ts: a block
// called at the top level of the loss, a block called in the body of a kept layer loop (the rest of the body
// saved), and the same losses without checkpoint to compare with.
import { add, checkpoint, dims, einsum, gelu, layout, mean, mesh, mul, program, square, tanh, valueAndGrad, type Tensor } from "../../../dsl/index.ts";

export const D = dims({ batch: 4, d: 4, e: 8 });

/** One block's weights. */
export interface Block {
  readonly w: Tensor<"d e">;
  readonly v: Tensor<"e d">;
  readonly s: Tensor<"d">;
}

/** Two blocks at the top level. */
export interface TopParams {
  readonly first: Block;
  readonly second: Block;
}

/** Layers for a loop (as many as the loss reads). */
export interface LoopParams {
  readonly layers: readonly Block[];
}

/** An MLP block with a residual: tanh, an einsum up, GELU, an einsum down. */
export function mlp(x: Tensor<"batch d">, p: Block): Tensor<"batch d"> {
  const up = gelu(einsum(tanh(add(x, p.s)), p.w, "batch e"));
  return add(x, einsum(up, p.v, "batch d"));
}

const recomputedMlp = checkpoint(mlp);

/** Two blocks, the first recomputed in the backward. */
export function topLoss(p: TopParams, x: Tensor<"batch d">): Tensor<""> {
  const h = recomputedMlp(x, p.first);
  return mean(square(mlp(h, p.second)), "batch d");
}

/** The same loss with nothing recomputed. */
export function topLossSaved(p: TopParams, x: Tensor<"batch d">): Tensor<""> {
  return mean(square(mlp(mlp(x, p.first), p.second)), "batch d");
}

/** Three layers; in each, the MLP block is recomputed, and the scaling after it saved. */
export function loopLoss(p: LoopParams, x: Tensor<"batch d">): Tensor<""> {
  let h = x;
  for (let i = 0; i < 3; i++) {
    const layer = p.layers[i];
    h = tanh(mul(recomputedMlp(h, layer), layer.s));
  }
  return mean(square(h), "batch d");
}

export function topStep(p: TopParams, x: Tensor<"batch d">) {
  const { value, grad } = valueAndGrad(topLoss)(p, x);
  return { loss: value, grad: grad.first };
}

export function topSavedStep(p: TopParams, x: Tensor<"batch d">) {
  const { value, grad } = valueAndGrad(topLossSaved)(p, x);
  return { loss: value, grad: grad.first };
}

export function loopStep(p: LoopParams, x: Tensor<"batch d">) {
  const { value, grad } = valueAndGrad(loopLoss)(p, x);
  return { loss: value, grad: grad.layers };
}

const M = mesh({ data: 2, model: 2 });
const twoD = layout(M, D, "batch:data, e:model");

export const top2d = program(topStep, { mesh: M, layout: twoD });
export const topSaved2d = program(topSavedStep, { mesh: M, layout: twoD });
export const loop2d = program(loopStep, { mesh: M, layout: twoD });
export const loop2dLayer = program(loopStep, { mesh: M, layout: twoD, recompute: "layer" });
