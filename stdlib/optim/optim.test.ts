import { describe, expect, test } from "vitest";
import { dims, tensor, type Tensor } from "meshtype";
import { expectTensor } from "../expectTensor.ts";
import { adamW, initAdamWState } from "./adamw.ts";
import { initSgdState, sgd } from "./sgd.ts";

const D = dims({ x: 2, y: 1 });

/** A tree with an object, an array and two dims lists, as model params are. */
interface Params {
  readonly w: Tensor<"x">;
  readonly layers: readonly { readonly b: Tensor<"y"> }[];
}

const params: Params = { w: tensor(D, "x", [1, 2]), layers: [{ b: tensor(D, "y", [-3]) }] };
const grads1: Params = { w: tensor(D, "x", [0.5, -1]), layers: [{ b: tensor(D, "y", [2]) }] };
const grads2: Params = { w: tensor(D, "x", [1, 1]), layers: [{ b: tensor(D, "y", [-4]) }] };

describe("sgd", () => {
  test("momentum: b = mu b + g, p = p - lr b, over two steps (hand-computed)", () => {
    const hyper = { learningRate: 0.1, momentum: 0.9 };
    const first = sgd(params, grads1, initSgdState(params), hyper);
    expectTensor(first.params.w, "x", [0.95, 2.1], 1e-6);
    expectTensor(first.params.layers[0].b, "y", [-3.2], 1e-6);
    const second = sgd(first.params, grads2, first.state, hyper);
    expectTensor(second.state.momentum.w, "x", [1.45, 0.1], 1e-6);
    expectTensor(second.params.w, "x", [0.805, 2.09], 1e-6);
    expectTensor(second.params.layers[0].b, "y", [-3.2 - 0.1 * (0.9 * 2 - 4)], 1e-6);
  });

  test("weight decay adds wd p to the gradient; Nesterov steps along g + mu b", () => {
    const decayed = sgd(params, grads1, initSgdState(params), { learningRate: 0.1, momentum: 0.9, weightDecay: 0.1 });
    expectTensor(decayed.params.w, "x", [0.94, 2.08], 1e-6);
    const nesterov = sgd(params, grads1, initSgdState(params), { learningRate: 0.1, momentum: 0.9, nesterov: true });
    expectTensor(nesterov.params.w, "x", [0.905, 2.19], 1e-6);
  });
});

/** PyTorch's AdamW on one number, in float64: the reference for the tests. */
function adamWReference(p: number, gradients: readonly number[], lr: number, wd: number, beta1 = 0.9, beta2 = 0.999, eps = 1e-8): number {
  let [m, v] = [0, 0];
  gradients.forEach((g, index) => {
    const t = index + 1;
    p *= 1 - lr * wd;
    m = beta1 * m + (1 - beta1) * g;
    v = beta2 * v + (1 - beta2) * g * g;
    p -= (lr / (1 - beta1 ** t)) * m / (Math.sqrt(v) / Math.sqrt(1 - beta2 ** t) + eps);
  });
  return p;
}

describe("adamW", () => {
  test("first step: bias correction makes it p (1 - lr wd) - lr sign(g) (hand-computed)", () => {
    const first = adamW(params, grads1, initAdamWState(D, params), { learningRate: 0.1, weightDecay: 0.01 });
    expectTensor(first.params.w, "x", [0.899, 2.098], 1e-6);
    expectTensor(first.params.layers[0].b, "y", [-3 * 0.999 - 0.1], 1e-6);
    expectTensor(first.state.step, "", [1], 0);
    expectTensor(first.state.m.w, "x", [0.05, -0.1], 1e-7);
    expectTensor(first.state.v.w, "x", [0.001 * 0.25, 0.001], 1e-9);
  });

  test("two steps with custom betas equal PyTorch's update rule", () => {
    const hyper = { learningRate: 0.05, weightDecay: 0.1, beta1: 0.8, beta2: 0.9, epsilon: 1e-6 };
    const first = adamW(params, grads1, initAdamWState(D, params), hyper);
    const second = adamW(first.params, grads2, first.state, hyper);
    const expected = (p: number, g1: number, g2: number) => adamWReference(p, [g1, g2], 0.05, 0.1, 0.8, 0.9, 1e-6);
    expectTensor(second.params.w, "x", [expected(1, 0.5, 1), expected(2, -1, 1)], 1e-6);
    expectTensor(second.params.layers[0].b, "y", [expected(-3, 2, -4)], 1e-6);
    expectTensor(second.state.step, "", [2], 0);
  });

  test("moments are zero and the step is 0 at init; the state keeps the params' tree", () => {
    const state = initAdamWState(D, params);
    expectTensor(state.m.layers[0].b, "y", [0], 0);
    expect(state.v.w.names).toEqual(["x"]);
    expectTensor(state.step, "", [0], 0);
  });
});
