import { describe, expect, test } from "vitest";
import { dims, tensor } from "meshtype";
import { dense, initDenseParams } from "./dense.ts";
import { expectTensor } from "./expectTensor.ts";

const D = dims({ batch: 1, seq: 2, d_model: 2, d_ff: 3 });
const x = tensor(D, "batch seq d_model", [1, 2, -1, 0.5]);
const w = tensor(D, "d_model d_ff", [1, 0, 2, 0, 1, 3]);

describe("dense", () => {
  test("computes x · w + b over the named dims", () => {
    const y = dense(x, { w, b: tensor(D, "d_ff", [10, 20, 30]) });
    // row 0: [1, 2] · w = [1, 2, 8]; row 1: [-1, 0.5] · w = [-1, 0.5, -0.5]
    expectTensor(y, "batch seq d_ff", [11, 22, 38, 9, 20.5, 29.5], 1e-6);
  });

  test("replaces the input dim in place, whatever the other dims and their order", () => {
    const y = dense(tensor(D, "d_model seq", [1, -1, 2, 0.5]), { w, b: tensor(D, "d_ff", [0, 0, 0]) });
    expectTensor(y, "d_ff seq", [1, -1, 2, 0.5, 8, -0.5], 1e-6);
  });

  test("init gives named, independent weights and zero bias", () => {
    const a = initDenseParams(D, 7, "a", "d_model", "d_ff");
    const b = initDenseParams(D, 7, "b", "d_model", "d_ff");
    expect(a.w.names).toEqual(["d_model", "d_ff"]);
    expect(Array.from(a.b.data)).toEqual([0, 0, 0]);
    expect(Array.from(a.w.data)).not.toEqual(Array.from(b.w.data));
    expect(Array.from(initDenseParams(D, 7, "a", "d_model", "d_ff").w.data)).toEqual(Array.from(a.w.data));
  });
});
