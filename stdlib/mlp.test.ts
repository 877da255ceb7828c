import { describe, expect, test } from "vitest";
import { dims, randomNormal, tensor } from "meshtype";
import { expectFinite, expectTensor } from "./expectTensor.ts";
import { initMlpParams, mlp } from "./mlp.ts";

describe("mlp", () => {
  test("is down(gelu(up(x))) with hand-checked GELU values", () => {
    const D = dims({ batch: 1, seq: 2, d_model: 1, d_ff: 2 });
    const params = {
      up: { w: tensor(D, "d_model d_ff", [1, -1]), b: tensor(D, "d_ff", [0, 0]) },
      down: { w: tensor(D, "d_ff d_model", [1, 1]), b: tensor(D, "d_model", [0.25]) },
    };
    // gelu(t) + gelu(-t) = t * erf(t / sqrt 2); erf(1/sqrt 2) = 0.682689, erf(2/sqrt 2) = 0.954500
    const x = tensor(D, "batch seq d_model", [1, 2]);
    expectTensor(mlp(x, params), "batch seq d_model", [0.25 + 0.682689, 0.25 + 2 * 0.9545], 2e-3);
  });

  test("init names every weight apart and keeps outputs finite", () => {
    const D = dims({ batch: 2, seq: 3, d_model: 4, d_ff: 8 });
    const params = initMlpParams(D, 1, "mlp");
    expect(Array.from(params.up.w.data).slice(0, 4)).not.toEqual(Array.from(params.down.w.data).slice(0, 4));
    expectFinite(mlp(randomNormal(D, "batch seq d_model", { seed: 1, name: "x" }), params));
  });
});
