import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Dim, Tensor } from "../tensor.ts";
import { einsum } from "./einsum.ts";
import { allIndices, at, closeTo, dimPool, longDimPool, shapeOf, subsetOf, t, tensorWith } from "./testSupport.ts";

describe("einsum", () => {
  it("multiplies matrices by dim name, in any storage order", () => {
    const x = t("b=2 i=3", [1, 2, 3, 4, 5, 6]);
    const w = t("o=2 i=3", [1, 0, 1, 0, 1, 0]); // row o=0 sums i=0,2; row o=1 picks i=1
    const y = einsum(x, w, "b o");
    expect(shapeOf(y)).toBe("b=2 o=2");
    expect([...y.data]).toEqual([4, 2, 10, 5]);
    expect([...einsum(x, w, "o b").data]).toEqual([4, 10, 2, 5]);
  });

  it("sums, transposes and takes outer products", () => {
    const x = t("a=2 b=3"); // 0..5
    expect([...einsum(x, "a").data]).toEqual([3, 12]);
    expect([...einsum(x, "").data]).toEqual([15]);
    expect([...einsum(x, "b a").data]).toEqual([0, 3, 1, 4, 2, 5]);
    const outer = einsum(t("a=2", [1, 2]), t("c=2", [10, 20]), "c a");
    expect([...outer.data]).toEqual([10, 20, 20, 40]);
    // a dim in both inputs and the output is a batch dim (multiplied, not summed)
    expect([...einsum(t("a=2", [2, 3]), t("a=2", [5, 7]), "a").data]).toEqual([10, 21]);
  });

  it("labels its result and names the inputs in errors", () => {
    const x = t("b=2 i=3", undefined, "x");
    const w = t("i=4 o=2", undefined, "w");
    expect(einsum(x, t("i=3"), "b").label).toBe("einsum(x, _)");
    expect(() => einsum(x, w, "b o")).toThrow('einsum: dim "i" has size 3 in tensor "x" [b=2, i=3] but 4 in tensor "w" [i=4, o=2].');
    expect(() => einsum(x, t("i=3 o=2", undefined, "w"), "b z")).toThrow(
      'einsum: output dim "z" of "b z" is in no input (tensor "x" [b=2, i=3], tensor "w" [i=3, o=2]). Use only dims of the inputs, or fix the spelling.',
    );
  });

  it("handles each stride case of the row kernel (last output dim long, in one or both inputs)", () => {
    const pairs: [string, string, string][] = [
      ["i=2 j=8", "j=8 k=3", "i k j"], // j in both, not contiguous in b
      ["j=9 i=2", "k=3 j=9", "i k j"], // j in both, not contiguous in a
      ["i=2 s=3", "s=3 j=8", "i j"], // j only in b
      ["j=8 s=3", "s=3 i=2", "i j"], // j only in a
    ];
    for (const [left, right, out] of pairs) {
      const a = t(left);
      const b = t(right, Array.from({ length: t(right).data.length }, (_, index) => ((index * 7) % 5) - 2));
      const all = [...a.dims, ...b.dims];
      const outOrder = out.split(" ").flatMap((name) => all.filter((dim) => dim.name === name).slice(0, 1));
      checkAgainstNaive({ a, b, twoInputs: true, outOrder });
    }
  });

  // Short dims reach the dot-product kernel, long ones (8, 9) the row kernel.
  for (const [kind, pool] of [["short", dimPool], ["long", longDimPool]] as const) {
    it(`equals the naive sum over all index assignments (random names, sizes, orders; ${kind} dims)`, () => {
      fc.assert(fc.property(einsumCase(pool), checkAgainstNaive), { numRuns: 200 });
    });
  }
});

/** Two tensors over random subsets of a pool of dims, one or two of them used, and an output order. */
function einsumCase(pool: fc.Arbitrary<Dim[]>) {
  return pool.chain((dims) =>
    fc.record({
      a: subsetOf(dims).chain((subset) => tensorWith(subset)),
      b: subsetOf(dims).chain((subset) => tensorWith(subset)),
      twoInputs: fc.boolean(),
      outOrder: fc.shuffledSubarray(dims),
    }),
  );
}

function checkAgainstNaive({ a, b, twoInputs, outOrder }: { a: Tensor<string>; b: Tensor<string>; twoInputs: boolean; outOrder: Dim[] }): void {
  const inputs = twoInputs ? [a, b] : [a];
  const present = new Set(inputs.flatMap((input) => input.names));
  const out = outOrder.filter((dim) => present.has(dim.name));
  const outNames = new Set(out.map((dim) => dim.name));
  const summed = [...new Map(inputs.flatMap((input) => input.dims).filter((dim) => !outNames.has(dim.name)).map((dim) => [dim.name, dim])).values()];
  const spec = out.map((dim) => dim.name).join(" ");
  const result = twoInputs ? einsum(a, b, spec) : einsum(a, spec);
  const expected = allIndices(out).map((outIndex) =>
    allIndices(summed).reduce((total, inner) => {
      const index = { ...outIndex, ...inner };
      return total + inputs.reduce((product, input) => product * at(input, index), 1);
    }, 0),
  );
  expect(result.names).toEqual(out.map((dim) => dim.name));
  expect(closeTo(result.data, expected, 1e-4)).toBe(true);
}
