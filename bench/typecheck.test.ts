import { describe, expect, it } from "vitest";
import { parseDiagnostics } from "./typecheck.ts";
import { generateDistinctOpsFile, generateLayoutsFile, generateMultiAxisLayoutsFile, generateOpsFile } from "./typecheckGenerate.ts";

describe("parseDiagnostics", () => {
  const output = [
    "a.ts(3,1): error TS2345: Argument of type ...",
    "Files:              83",
    "Instantiations:  34231",
    "Check time:     1.260s",
    "Total time:     1.564s",
  ].join("\n");

  it("reads instantiations, check and total time, and counts errors", () => {
    expect(parseDiagnostics(output)).toEqual({ instantiations: 34231, checkSeconds: 1.26, totalSeconds: 1.564, errors: 1 });
  });

  it("names the missing line", () => {
    expect(() => parseDiagnostics("Files: 3")).toThrow(/No "Instantiations:" line/);
  });
});

describe("generated sources", () => {
  it.each([generateOpsFile, generateDistinctOpsFile])("%o has the asked number of op calls", (generate) => {
    const calls = generate(1000).match(/\b(einsum|relu|gelu|add|mul)\(/g) ?? [];
    expect(calls.length).toBe(1000);
    expect(() => generate(999)).toThrow(/multiple of 5/);
  });

  it("has one layout and one program per asked layout", () => {
    const source = generateLayoutsFile(200);
    expect(source.match(/= layout\(/g)?.length).toBe(200);
    expect(source.match(/= program\(/g)?.length).toBe(200);
    const specs = source.match(/layout\(M\d+, D, "[^"]*"\)/g) ?? [];
    expect(new Set(specs).size).toBe(200);
  });

  it("has distinct layouts over two axes with a padded rule, each bound with program", () => {
    const source = generateMultiAxisLayoutsFile(180);
    const specs = source.match(/layout\(M, D, "[^"]*"\)/g) ?? [];
    expect(new Set(specs).size).toBe(180);
    expect(specs.every((spec) => /:\(\w+, \w+\), \w+:padded\(\w+\)/.test(spec))).toBe(true);
    expect(source.match(/= program\(/g)?.length).toBe(180);
    expect(() => generateMultiAxisLayoutsFile(181)).toThrow(/at most 180/);
  });
});
