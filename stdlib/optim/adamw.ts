/**
 * AdamW (Loshchilov and Hutter 2019; PyTorch's `torch.optim.AdamW`):
 * Adam with bias correction and decoupled weight decay, functional over any
 * tree of tensors and written with DSL ops only. The step count is a scalar
 * tensor in the state, so one compiled step serves every iteration of a
 * training loop (a static number would need a new program per step).
 */
import { add, div, mul, pow, sqrt, square, sub, treeMap, zeros, type Dims, type Tensor } from "meshtype";

/** Adam's moments (same tree as the params) and the number of steps taken. */
export interface AdamWState<T> {
  /** Steps taken so far (0 before the first). */
  readonly step: Tensor<"">;
  /** First moment: the running mean of gradients. */
  readonly m: T;
  /** Second moment: the running mean of squared gradients. */
  readonly v: T;
}

/** Hyperparameters: static numbers, fixed when the step is compiled. */
export interface AdamWHyper {
  readonly learningRate: number;
  /** Decay of the first moment; default 0.9. */
  readonly beta1?: number;
  /** Decay of the second moment; default 0.999. */
  readonly beta2?: number;
  /** Added to the root of the second moment; default 1e-8. */
  readonly epsilon?: number;
  /** Decoupled decay: `p *= 1 - lr * weightDecay` each step; default 0.01 (PyTorch's default). */
  readonly weightDecay?: number;
}

/**
 * Zero moments for `params` and a step count of 0 (`D` is any dims declaration; the count has no dims).
 *
 * @example
 * let state = initAdamWState(D, params);
 */
export function initAdamWState<T>(D: Dims, params: T): AdamWState<T> {
  const zerosLike = (p: Tensor<string>): Tensor<string> => mul(p, 0);
  return { step: zeros(D, ""), m: treeMap(zerosLike, params), v: treeMap(zerosLike, params) };
}

/**
 * One AdamW step, with `t` the new step count:
 *
 *     m = b1 m + (1 - b1) g            v = b2 v + (1 - b2) g^2
 *     p = p (1 - lr wd) - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 *
 * @example
 * const next = adamW(params, grads, state, { learningRate: 1e-3 });
 * params = next.params; state = next.state;
 */
export function adamW<T>(params: T, grads: T, state: AdamWState<T>, hyper: AdamWHyper): { params: T; state: AdamWState<T> } {
  // Destructured with defaults: model code may not read a field an object lacks.
  const { learningRate, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, weightDecay = 0.01 } = hyper;
  const shrink = 1 - learningRate * weightDecay;
  const step = add(state.step, 1);
  const stepSize = div(learningRate, sub(1, pow(beta1, step)));
  const rootCorrection = sqrt(sub(1, pow(beta2, step)));
  // m + (1 - b1)(g - m) rather than b1 m + (1 - b1) g: every use of g then needs it reduced, so a
  // data-parallel gradient (a pending sum) is all-reduced once, where `mul(g, 1 - b1)` would keep a
  // second pending sum and reduce it again.
  const m = treeMap((mPrev: Tensor<string>, g: Tensor<string>) => add(mPrev, mul(sub(g, mPrev), 1 - beta1)), state.m, grads);
  const v = treeMap((vPrev: Tensor<string>, g: Tensor<string>) => add(mul(vPrev, beta2), mul(square(g), 1 - beta2)), state.v, grads);
  const update = (p: Tensor<string>, mNew: Tensor<string>, vNew: Tensor<string>): Tensor<string> => {
    const denominator = add(div(sqrt(vNew), rootCorrection), epsilon);
    return sub(mul(p, shrink), mul(div(mNew, denominator), stepSize));
  };
  return { params: treeMap(update, params, m, v), state: { step, m, v } };
}
