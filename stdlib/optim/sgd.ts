/**
 * Stochastic gradient descent with momentum (PyTorch's `torch.optim.SGD`
 * with dampening 0), functional: params, grads and state in, new params and
 * state out, over any tree (object or array) of tensors. Written with DSL
 * ops only, so a training step that calls it compiles to device programs.
 */
import { add, mul, sub, treeMap, type Tensor } from "meshtype";

/** The momentum buffers, one per parameter (same tree as the params). */
export interface SgdState<T> {
  readonly momentum: T;
}

/** Hyperparameters: static numbers, fixed when the step is compiled. */
export interface SgdHyper {
  readonly learningRate: number;
  /** Momentum factor mu (0 gives plain SGD). */
  readonly momentum: number;
  /** L2 penalty added to the gradient (`g + weightDecay * p`, coupled as in PyTorch's SGD); default 0. */
  readonly weightDecay?: number;
  /** Nesterov momentum: step along `g + mu * buffer` instead of `buffer`; default false. */
  readonly nesterov?: boolean;
}

/**
 * Zero momentum buffers for `params`.
 *
 * @example
 * let state = initSgdState(params);
 */
export function initSgdState<T>(params: T): SgdState<T> {
  return { momentum: treeMap((p) => mul(p, 0), params) };
}

/**
 * One SGD step: `b = mu * b + g` (with `g += weightDecay * p` first), then
 * `p = p - lr * b` (Nesterov: `p = p - lr * (g + mu * b)`).
 *
 * @example
 * const next = sgd(params, grads, state, { learningRate: 0.1, momentum: 0.9 });
 * params = next.params; state = next.state;
 */
export function sgd<T>(params: T, grads: T, state: SgdState<T>, hyper: SgdHyper): { params: T; state: SgdState<T> } {
  // Destructured with defaults: model code may not read a field an object lacks.
  const { learningRate, momentum: mu, weightDecay: decay = 0, nesterov = false } = hyper;
  const decayed = decay === 0 ? grads : treeMap((g: Tensor<string>, p: Tensor<string>) => add(g, mul(p, decay)), grads, params);
  const momentum = treeMap((b: Tensor<string>, g: Tensor<string>) => add(mul(b, mu), g), state.momentum, decayed);
  const direction = nesterov ? treeMap((g: Tensor<string>, b: Tensor<string>) => add(g, mul(b, mu)), decayed, momentum) : momentum;
  const next = treeMap((p: Tensor<string>, d: Tensor<string>) => sub(p, mul(d, learningRate)), params, direction);
  return { params: next, state: { momentum } };
}
