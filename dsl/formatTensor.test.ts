import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { dims } from "./dims.ts";
import { formatTensor } from "./formatTensor.ts";
import { tensor } from "./ops/index.ts";
import { Tensor } from "./tensor.ts";

const D = dims({ batch: 2, d: 3, long: 1001 });

describe("formatTensor", () => {
  it("prints the dims, then nested brackets aligned in columns with 4 decimals", () => {
    const x = tensor(D, "batch d", new Float32Array([0.5, -1, 2.25, 0, 10.125, -0.0625]), { name: "x" });
    expect(formatTensor(x)).toBe('tensor "x" [batch=2 d=3]\n[[ 0.5000, -1.0000,  2.2500],\n [ 0.0000, 10.1250, -0.0625]]');
  });

  it("is what console.log prints (util.inspect)", () => {
    const x = tensor(D, "d", new Float32Array([1, 2, 3]));
    expect(inspect(x)).toBe("tensor [d=3]\n[1., 2., 3.]");
  });

  it("writes integers as `3.`, a scalar on its own, nan and inf by name", () => {
    expect(formatTensor(new Tensor([], new Float32Array([3.5])))).toBe("tensor []\n3.5000");
    expect(formatTensor(new Tensor([{ name: "d", size: 3 }], new Float32Array([Number.NaN, Infinity, 1.5])))).toBe("tensor [d=3]\n[   nan,    inf, 1.5000]");
  });

  it("switches to scientific notation when magnitudes span more than 1000x (as torch does)", () => {
    const x = tensor(D, "d", new Float32Array([1e-6, 2, 300000]));
    expect(formatTensor(x)).toBe("tensor [d=3]\n[1.0000e-06, 2.0000e+00, 3.0000e+05]");
  });

  it("summarizes above 1000 elements: the first and last 3 of each dim", () => {
    const x = new Tensor([{ name: "long", size: 1001 }], Float32Array.from({ length: 1001 }, (_, index) => index));
    expect(formatTensor(x)).toBe("tensor [long=1001]\n[   0.,    1.,    2., ...,  998.,  999., 1000.]");
    expect(formatTensor(x, { threshold: 2000 })).toContain("500.");
  });
});

describe("formatTensor header", () => {
  it("names the tensor by a short label and leaves a long one (an eager op's expression) out", () => {
    const data = new Float32Array([1]);
    expect(formatTensor(new Tensor([{ name: "d", size: 1 }], data, "mlp.up.w")).split("\n")[0]).toBe('tensor "mlp.up.w" [d=1]');
    expect(formatTensor(new Tensor([{ name: "d", size: 1 }], data, `add(${"x".repeat(40)})`)).split("\n")[0]).toBe("tensor [d=1]");
  });
});
