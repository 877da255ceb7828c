import { describe, expect, it } from "vitest";
import { Tensor, type Dim } from "../tensor.ts";
import { checkChunkable, chunkAlong, concatAlong, reduceTensors, takeChunk } from "./chunk.ts";

const iota = (dims: Dim[], label = "t") =>
  new Tensor(dims, Float32Array.from({ length: dims.reduce((p, d) => p * d.size, 1) }, (_, i) => i), label);
const abc = iota([{ name: "a", size: 2 }, { name: "b", size: 4 }, { name: "c", size: 2 }]);

describe("chunk kernels", () => {
  it("takeChunk cuts a middle dim: chunk 1 of 2 along b keeps b=2,3 of every a", () => {
    const chunk = takeChunk(abc, "b", 2, 1);
    expect(chunk.shape).toEqual([2, 2, 2]);
    expect([...chunk.data]).toEqual([4, 5, 6, 7, 12, 13, 14, 15]);
    expect(chunk.label).toBe("t");
  });

  it("concatAlong undoes chunkAlong, for every dim", () => {
    for (const dim of ["a", "b", "c"]) {
      const back = concatAlong(chunkAlong(abc, dim, 2), dim);
      expect(back.dims).toEqual(abc.dims);
      expect(back.data).toEqual(abc.data);
    }
  });

  it("concatAlong joins pieces of different sizes along the dim", () => {
    const joined = concatAlong([iota([{ name: "r", size: 2 }, { name: "s", size: 1 }]), iota([{ name: "r", size: 2 }, { name: "s", size: 2 }])], "s");
    expect(joined.shape).toEqual([2, 3]);
    expect([...joined.data]).toEqual([0, 0, 1, 1, 2, 3]);
  });

  it("names the tensor, the dim and the sizes when a dim does not split or does not exist", () => {
    expect(() => checkChunkable(abc, "b", 3, "allToAll over mesh axis \"m\" (3 devices)")).toThrow(
      /allToAll over mesh axis "m" \(3 devices\): dim "b" of tensor "t" \[a=2, b=4, c=2\] has size 4, which does not split into 3 equal chunks/,
    );
    expect(() => checkChunkable(abc, "z", 1, "join")).toThrow(/tensor "t" .* has no dim "z". Its dims are: a, b, c/);
  });

  it("rejects joining tensors whose other dims differ", () => {
    expect(() => concatAlong([abc, iota([{ name: "a", size: 2 }, { name: "b", size: 4 }, { name: "c", size: 3 }], "u")], "b")).toThrow(
      /every other dim must match/,
    );
  });

  it("reduceTensors sums or maxes element-wise and rejects different sizes", () => {
    const one = new Tensor([{ name: "a", size: 2 }], Float32Array.of(1, 5));
    const two = new Tensor([{ name: "a", size: 2 }], Float32Array.of(3, 2));
    expect([...reduceTensors([one, two], "sum").data]).toEqual([4, 7]);
    expect([...reduceTensors([one, two], "max").data]).toEqual([3, 5]);
    expect([...one.data]).toEqual([1, 5]);
    expect(() => reduceTensors([one, abc], "sum")).toThrow(/different sizes/);
  });
});
