import { describe, expect, it } from "vitest";
import { dims } from "../dims.ts";
import { full, iota, ones, tensor, zeros } from "./create.ts";
import { shapeOf } from "./testSupport.ts";

const D = dims({ batch: 2, seq: 3, d_model: 4 });

describe("creation ops", () => {
  it("take their dims and sizes from the declaration", () => {
    const x = tensor(D, "batch seq", [1, 2, 3, 4, 5, 6], { name: "x" });
    expect(shapeOf(x)).toBe("batch=2 seq=3");
    expect(x.label).toBe("x");
    expect(x.data).toBeInstanceOf(Float32Array);
    expect([...zeros(D, "seq").data]).toEqual([0, 0, 0]);
    expect([...ones(D, "batch").data]).toEqual([1, 1]);
    expect([...full(D, "batch", 2.5).data]).toEqual([2.5, 2.5]);
    expect([...iota(D, "seq").data]).toEqual([0, 1, 2]);
    expect(shapeOf(zeros(D, ""))).toBe("");
    expect(zeros(D, "").data.length).toBe(1);
  });

  it("keeps a given Float32Array as the data", () => {
    const data = new Float32Array(8);
    expect(tensor(D, "batch d_model", data).data).toBe(data);
  });

  it("names the tensor, its dims and the fix for data of the wrong length", () => {
    expect(() => tensor(D, "batch seq", [1, 2, 3], { name: "x" })).toThrow(
      'Tensor "x" with dims [batch=2, seq=3] needs 6 elements but its data has 3. Pass a Float32Array of length 6, or fix the dims.',
    );
  });

  it("rejects undeclared dims and iota over several dims", () => {
    const loose: string = "batch vocab";
    expect(() => zeros(D, loose)).toThrow(/Unknown dim "vocab" in "batch vocab"/);
    const two: string = "batch seq";
    expect(() => iota(D, two)).toThrow('iota: expected one dim name but got "batch seq". Pass a single name such as "seq".');
  });
});
