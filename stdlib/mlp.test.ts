import { describe, expect, test } from "vitest";
import { dims, randomNormal, tensor } from "meshtype";
import { expectFinite, expectTensor } from "./expectTensor.ts";
import { geGlu, initGatedMlpParams, initMlpParams, mlp, swiGlu } from "./mlp.ts";

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

describe("gated MLPs", () => {
  const D = dims({ batch: 1, seq: 2, d_model: 1, d_ff: 1 });
  const params = { gate: tensor(D, "d_model d_ff", [2]), up: tensor(D, "d_model d_ff", [3]), down: tensor(D, "d_ff d_model", [0.5]) };
  const x = tensor(D, "batch seq d_model", [1, -1]);

  test("swiGlu is (silu(x · gate) * (x · up)) · down", () => {
    const silu = (value: number) => value / (1 + Math.exp(-value));
    expectTensor(swiGlu(x, params), "batch seq d_model", [1, -1].map((v) => silu(2 * v) * 3 * v * 0.5), 1e-6);
  });

  test("geGlu is (gelu(x · gate) * (x · up)) · down, over any batch dims", () => {
    const gelu2 = 1.954597694; // gelu(2), tanh form
    const gelum2 = -0.045402306; // gelu(-2)
    expectTensor(geGlu(x, params), "batch seq d_model", [gelu2 * 3 * 0.5, gelum2 * -3 * 0.5], 1e-5);
    const y = geGlu(tensor(D, "seq d_model batch", [1, -1]), params);
    expect(y.names).toEqual(["seq", "d_model", "batch"]);
  });

  test("init names the three projections apart", () => {
    const R = dims({ d_model: 4, d_ff: 8 });
    const fresh = initGatedMlpParams(R, 0, "mlp");
    expect(Array.from(fresh.gate.data)).not.toEqual(Array.from(fresh.up.data));
    expect(fresh.down.names).toEqual(["d_ff", "d_model"]);
  });
});
