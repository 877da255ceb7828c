/**
 * Optimizers written in the DSL: functional updates over trees of tensors
 * (`(params, grads, state, hyper) -> { params, state }`), so one training
 * step (loss, gradients, update) compiles to one device program.
 *
 * @example
 * const next = adamW(params, grads, state, { learningRate: 1e-3 });
 */
export { sgd, initSgdState, type SgdState, type SgdHyper } from "./sgd.ts";
export { adamW, initAdamWState, type AdamWState, type AdamWHyper } from "./adamw.ts";
