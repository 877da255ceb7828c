import { describe, expect, it } from "vitest";
import { dims } from "../dims.ts";
import { MeshtypeError } from "../errors.ts";
import { einsum, greater, mean, mul, randomNormal, relu, square, sub, sum, tensor, type Tensor } from "../index.ts";
import { grad, valueAndGrad } from "./grad.ts";

const D = dims({ batch: 4, d_model: 3, d_ff: 5 });
const x = randomNormal(D, "batch d_model", { seed: 1, name: "x" });
const target = randomNormal(D, "batch d_model", { seed: 1, name: "target" });
const params = {
  w_in: randomNormal(D, "d_model d_ff", { seed: 1, name: "w_in" }),
  w_out: randomNormal(D, "d_ff d_model", { seed: 1, name: "w_out" }),
};
type Params = typeof params;

function mlpLoss(p: Params, input: Tensor<"batch d_model">, wanted: Tensor<"batch d_model">): Tensor<""> {
  const h = einsum(input, p.w_in, "batch d_ff");
  const y = einsum(relu(h), p.w_out, "batch d_model");
  return mean(square(sub(y, wanted)), "batch d_model");
}

function closeTo(actual: Tensor<string>, expected: Tensor<string>, tolerance = 1e-5): void {
  expect(actual.names).toEqual(expected.names);
  expect(actual.shape).toEqual(expected.shape);
  actual.data.forEach((value, index) => expect(Math.abs(value - expected.data[index])).toBeLessThan(tolerance));
}

describe("grad of an MLP", () => {
  it("equals the hand-derived gradients", () => {
    const g = grad(mlpLoss)(params, x, target);
    // By hand: dy = 2 (y - t) / N, dw_out = r^T dy, dr = dy w_out^T, dh = dr * (h > 0), dw_in = x^T dh.
    const h = einsum(x, params.w_in, "batch d_ff");
    const r = relu(h);
    const y = einsum(r, params.w_out, "batch d_model");
    const dy = mul(sub(y, target), 2 / (4 * 3));
    const dwOut = einsum(r, dy, "d_ff d_model");
    const dh = mul(einsum(dy, params.w_out, "batch d_ff"), greater(h, 0));
    const dwIn = einsum(x, dh, "d_model d_ff");
    closeTo(g.w_out, dwOut);
    closeTo(g.w_in, dwIn);
  });

  it("valueAndGrad gives the loss of the same forward pass", () => {
    const { value, grad: g } = valueAndGrad(mlpLoss)(params, x, target);
    closeTo(value, mlpLoss(params, x, target));
    closeTo(g.w_in, grad(mlpLoss)(params, x, target).w_in);
  });
});

describe("grad over trees", () => {
  it("returns the tree of its first argument: arrays, nested objects, zeros for unused leaves", () => {
    const a = tensor(D, "d_model", [1, 2, 3]);
    const b = tensor(D, "d_model", [4, 5, 6]);
    const g = grad((p: { pair: [Tensor<"d_model">, Tensor<"d_model">]; unused: Tensor<"d_model"> }) => sum(mul(p.pair[0], p.pair[1]), "d_model"))({
      pair: [a, b],
      unused: a,
    });
    expect(Array.from(g.pair[0].data)).toEqual([4, 5, 6]);
    expect(Array.from(g.pair[1].data)).toEqual([1, 2, 3]);
    expect(Array.from(g.unused.data)).toEqual([0, 0, 0]);
  });

  it("treats one tensor passed twice as two variables", () => {
    const a = tensor(D, "d_model", [1, 2, 3]);
    const g = grad((p: [Tensor<"d_model">, Tensor<"d_model">]) => sum(mul(p[0], 2), "d_model"))([a, a]);
    expect(Array.from(g[0].data)).toEqual([2, 2, 2]);
    expect(Array.from(g[1].data)).toEqual([0, 0, 0]);
  });

  it("differentiates a gradient (grad of grad): d/dx sum(d/dx sum(x^3)) = 6x", () => {
    const a = tensor(D, "d_model", [1, -2, 0.5]);
    const cube = (v: Tensor<"d_model">) => sum(mul(square(v), v), "d_model");
    const second = grad((v: Tensor<"d_model">) => sum(grad(cube)(v), "d_model"))(a);
    expect(Array.from(second.data)).toEqual([6, -12, 3]);
  });
});

describe("grad errors", () => {
  it("names a non-scalar result and the fix", () => {
    const call = () => grad((v: Tensor<"d_model">) => square(v) as unknown as Tensor<"">)(tensor(D, "d_model", [1, 2, 3]));
    expect(call).toThrow(MeshtypeError);
    expect(call).toThrow(/must return a scalar tensor \(dims ""\), but it returned a tensor with dims "d_model"/);
  });

  it("names a leaf of the params that is not a tensor", () => {
    const call = () => grad((p: { w: Tensor<"d_model">; lr: number }) => sum(p.w, "d_model"))({ w: tensor(D, "d_model", [1, 2, 3]), lr: 0.1 });
    expect(call).toThrow(/grad: params\.lr is number, not a tensor/);
  });
});
