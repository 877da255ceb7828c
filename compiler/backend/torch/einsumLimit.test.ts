import { describe, expect, it } from "vitest";
import { CompileError } from "../../diagnostics/diagnostic.ts";
import { ProgramBuilder } from "../../ir/builder.ts";
import type { Program } from "../../ir/ir.ts";
import { compileProgram } from "../../passes/pipeline.ts";
import { fixtureLoc } from "../../testing/fixtures.ts";
import { torchBuildFiles } from "./index.ts";

/** `einsum(x, y, "all dims")` where x and y share no dim: `count` distinct dims of size 1. */
function wideEinsum(count: number): Program {
  const names = Array.from({ length: count }, (_, index) => `d${index}`);
  const dims = (list: readonly string[]) => list.map((name) => ({ name, size: 1 }));
  const b = new ProgramBuilder({ name: "wide", mesh: [{ name: "data", size: 1 }], layoutSpec: "" });
  const x = b.param("x", dims(names.slice(0, Math.ceil(count / 2))), fixtureLoc(2));
  const y = b.param("y", dims(names.slice(Math.ceil(count / 2))), fixtureLoc(2));
  b.setResult(b.add({ op: "einsum" }, [x, y], { out: names, loc: fixtureLoc(3) }));
  return b.finish();
}

describe("torch back end: an einsum over more dims than torch.einsum has letters", () => {
  it("52 distinct dims build", () => {
    const [module] = torchBuildFiles([compileProgram(wideEinsum(52))], { sourceFile: "wide.ts" });
    expect(module.text).toContain("torch.einsum(");
  });

  it("53 distinct dims: MT6701 at the einsum, naming the count (was a plain Error with no code)", () => {
    let caught: unknown;
    try {
      torchBuildFiles([compileProgram(wideEinsum(53))], { sourceFile: "wide.ts" });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CompileError);
    const [item] = (caught as CompileError).diagnostics;
    expect(item.code).toBe("MT6701");
    expect(item.loc).toEqual(fixtureLoc(3));
    expect(item.message).toBe("This einsum names 53 distinct dims (d0, d1, d2, d3, d4, d5, ... d52), but torch.einsum has only 52 subscript letters (a-z, A-Z).");
  });
});
