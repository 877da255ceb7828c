import { describe, expect, test } from "vitest";
import { dims, tensor } from "meshtype";
import { expectTensor } from "./expectTensor.ts";
import { initLayerNormParams, layerNorm } from "./layerNorm.ts";
import { initRmsNormParams, rmsNorm } from "./rmsNorm.ts";

const D = dims({ batch: 1, seq: 2, d_model: 4 });
// row 0: [1, 2, 3, 4] (mean 2.5, variance 1.25); row 1: [2, 2, 2, 6] (mean 3, variance 3)
const x = tensor(D, "batch seq d_model", [1, 2, 3, 4, 2, 2, 2, 6]);

describe("layerNorm", () => {
  test("normalizes each position over d_model, then scales and shifts per feature", () => {
    const params = {
      scale: tensor(D, "d_model", [1, 2, 1, 1]),
      bias: tensor(D, "d_model", [0, 0, 10, 0]),
    };
    const r0 = 1 / Math.sqrt(1.25);
    const r1 = 1 / Math.sqrt(3);
    expectTensor(
      layerNorm(x, params, 0),
      "batch seq d_model",
      [-1.5 * r0, 2 * -0.5 * r0, 10 + 0.5 * r0, 1.5 * r0, -r1, 2 * -r1, 10 - r1, 3 * r1],
      1e-5,
    );
  });

  test("adds epsilon to the variance", () => {
    const params = initLayerNormParams(D, 0, "norm");
    const normalized = layerNorm(x, params, 0.75); // row 0: sqrt(1.25 + 0.75) = sqrt(2)
    expectTensor(normalized, "batch seq d_model", [-1.5, -0.5, 0.5, 1.5].map((v) => v / Math.sqrt(2)).concat(
      [-1, -1, -1, 3].map((v) => v / Math.sqrt(3.75)),
    ), 1e-5);
  });

  test("the initial parameters are the identity affine map", () => {
    const params = initLayerNormParams(D, 0, "norm");
    expect(Array.from(params.scale.data)).toEqual([1, 1, 1, 1]);
    expect(Array.from(params.bias.data)).toEqual([0, 0, 0, 0]);
  });
});

describe("rmsNorm", () => {
  test("divides by the root mean square over d_model, without centring", () => {
    const params = { scale: tensor(D, "d_model", [1, 1, 2, 1]) };
    const rms0 = Math.sqrt((1 + 4 + 9 + 16) / 4); // sqrt(7.5)
    const rms1 = Math.sqrt((4 + 4 + 4 + 36) / 4); // sqrt(12)
    expectTensor(
      rmsNorm(x, params, 0),
      "batch seq d_model",
      [1 / rms0, 2 / rms0, 6 / rms0, 4 / rms0, 2 / rms1, 2 / rms1, 4 / rms1, 6 / rms1],
      1e-5,
    );
  });

  test("adds epsilon to the mean square", () => {
    const params = initRmsNormParams(D, 0, "norm");
    const normalized = rmsNorm(x, params, 0.5); // row 0: sqrt(7.5 + 0.5) = sqrt(8)
    expectTensor(normalized, "batch seq d_model", [1, 2, 3, 4, 2, 2, 2, 6].map((v, i) => v / Math.sqrt(i < 4 ? 8 : 12.5)), 1e-5);
  });
});

describe("norms over any batch dims", () => {
  test("layerNorm and rmsNorm keep x's dims, in x's order", () => {
    const E = dims({ batch: 2, enc_seq: 1, d_model: 4 });
    const y = tensor(E, "d_model enc_seq batch", [1, 2, 3, 4, 5, 6, 7, 8]);
    const normed = layerNorm(y, initLayerNormParams(E, 0, "norm"), 0);
    expect(normed.names).toEqual(["d_model", "enc_seq", "batch"]);
    // batch 0 holds [1, 3, 5, 7] over d_model: mean 4, variance 5
    expect(normed.data[0]).toBeCloseTo(-3 / Math.sqrt(5), 5);
    expect(rmsNorm(y, initRmsNormParams(E, 0, "norm"), 0).data[1]).toBeCloseTo(2 / Math.sqrt((4 + 16 + 36 + 64) / 4), 5);
  });
});
