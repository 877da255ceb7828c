import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isName, trim } from "./names.ts";

describe("isName", () => {
  it("agrees with the identifier regex on any short string", () => {
    const alphabet = fc.constantFrom(..."aZ_09 -:.\t\u00e9");
    fc.assert(
      fc.property(fc.string({ unit: alphabet, maxLength: 6 }), (text) => {
        expect(isName(text)).toBe(/^[A-Za-z_][A-Za-z0-9_]*$/.test(text));
      }),
    );
  });
});

describe("trim", () => {
  it("trims spaces, tabs and line breaks, and nothing else", () => {
    expect(trim(" \t\r\n a b \n")).toBe("a b");
    expect(trim("\u00a0a\u00a0")).toBe("\u00a0a\u00a0");
    expect(trim("   ")).toBe("");
  });
});
