import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Dims, dims } from "./dims.ts";
import { caseSizes, dimsCases, dimsInCases } from "./parseDims.cases.ts";
import { parseDims } from "./parseDims.ts";
import { validateDimsIn } from "./types/validateDims.ts";
import { messageOf } from "./testSupport.ts";

describe("parseDims (runtime twin of DimsError / ValidateDims)", () => {
  it.each(dimsCases)("$spec", ({ spec, message }) => {
    expect(messageOf(() => parseDims(spec))).toBe(message);
  });

  it("splits on runs of spaces and keeps the order", () => {
    expect(parseDims("  batch   seq d_model ")).toEqual(["batch", "seq", "d_model"]);
    expect(parseDims("")).toEqual([]);
  });

  it("gives stable codes", () => {
    expect(() => parseDims("a a")).toThrow(expect.objectContaining({ code: "repeated-dim" }));
    expect(() => parseDims("a-b")).toThrow(expect.objectContaining({ code: "bad-dim-name" }));
  });

  it("round-trips any list of distinct names", () => {
    const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,6}$/);
    fc.assert(
      fc.property(fc.uniqueArray(name, { maxLength: 8 }), (names) => {
        expect(parseDims(names.join("  "))).toEqual(names);
      }),
    );
  });
});

describe("Dims.shape / validateDimsIn (runtime twins of ValidateDimsIn)", () => {
  const declared = dims(caseSizes);
  it.each(dimsInCases)("$spec", ({ spec, message }) => {
    expect(messageOf(() => validateDimsIn(declared, spec))).toBe(message);
    expect(messageOf(() => declared.shape(spec))).toBe(message);
  });

  it("gives each name with its declared size, in order", () => {
    expect(declared.shape("d_ff batch")).toEqual([
      { name: "d_ff", size: 64 },
      { name: "batch", size: 8 },
    ]);
  });

  it("does not treat inherited properties as declared dims", () => {
    expect(() => declared.shape("constructor")).toThrow(expect.objectContaining({ code: "unknown-dim" }));
  });
});

describe("dims({...})", () => {
  it("keeps the sizes, frozen", () => {
    const declared = dims({ batch: 8 });
    expect(declared.sizes).toEqual({ batch: 8 });
    expect(Object.isFrozen(declared.sizes)).toBe(true);
  });

  it.each([
    [{ batch: 0 }, 'Dim "batch" has size 0; a size is a positive integer. Give batch a whole number of elements of at least 1.'],
    [{ batch: -2 }, 'Dim "batch" has size -2; a size is a positive integer. Give batch a whole number of elements of at least 1.'],
    [{ seq: 1.5 }, 'Dim "seq" has size 1.5; a size is a positive integer. Give seq a whole number of elements of at least 1.'],
    [
      { "a b": 2 },
      'dims({...}) declares "a b", which is not a dim name. Use letters, digits and _ (not starting with a digit).',
    ],
  ])("rejects %o", (sizes, message) => {
    expect(messageOf(() => new Dims(sizes as Record<string, number>))).toBe(message);
  });
});
