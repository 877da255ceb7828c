import { describe, expect, it } from "vitest";
import { compileProgram } from "../passes/pipeline.ts";
import { randomProgram } from "../testing/randomPrograms.ts";
import { repeatedProblem } from "../testing/diagnosticChecks.ts";
import { CompileError, diagnostic } from "./diagnostic.ts";
import { validateMessages } from "./validateMessages.ts";

describe("CompileError lists each root cause once", () => {
  const args = { spec: "c:model", dim: "c", value: "`x` [a=6]" };
  const at = (line: number) => ({ file: "model.ts", line, column: 5 });

  it("a repeat (same code, place and message) is dropped; the same message at another place is kept", () => {
    const error = new CompileError([
      diagnostic(validateMessages.relayoutUnknownDim, args, at(3)), diagnostic(validateMessages.relayoutUnknownDim, args, at(3)),
      diagnostic(validateMessages.relayoutUnknownDim, args, at(4)),
    ]);
    expect(error.diagnostics.map((item) => item.loc?.line)).toEqual([3, 4]);
    expect(error.message.split("\n").filter((line) => line.includes("MT")).length).toBe(2);
  });

  it("a program with two relayouts of one indivisible dim to one rule (random program 743748104) reports MT2002 once, not twice", () => {
    let caught: unknown;
    try {
      compileProgram(randomProgram(743748104, { layouts: "mostly valid" }));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CompileError);
    const { diagnostics } = caught as CompileError;
    expect(diagnostics.map((item) => item.code)).toContain("MT2002");
    expect(repeatedProblem(diagnostics)).toBeUndefined();
  });
});
