import { describe, expect, it } from "vitest";
import type { MeshAxis } from "../../dsl/mesh.ts";
import { CompileError } from "../diagnostics/diagnostic.ts";
import { ProgramBuilder } from "../ir/builder.ts";
import type { Program } from "../ir/ir.ts";
import { fixtureLoc } from "../testing/fixtures.ts";
import { mlp } from "../testing/programs.ts";
import { compileProgram } from "./pipeline.ts";

const mesh: readonly MeshAxis[] = [{ name: "data", size: 2 }, { name: "model", size: 4 }];

function diagnosticsOf(program: Program) {
  try {
    compileProgram(program);
  } catch (error) {
    if (error instanceof CompileError) return error.diagnostics;
    throw error;
  }
  throw new Error("expected a CompileError");
}

/** A program with one relayout: x [a=6 b=8] -> relayout(x, spec) -> tanh. */
function relayoutProgram(spec: { dim: string; axis: string }[], layout = ""): Program {
  const b = new ProgramBuilder({ name: "p", mesh, layoutSpec: layout });
  const x = b.param("x", [{ name: "a", size: 6 }, { name: "b", size: 8 }], fixtureLoc(2));
  const moved = b.add({ op: "relayout", rules: spec }, [x], { hint: "moved", loc: fixtureLoc(3) });
  b.setResult(b.add({ op: "unary", fn: "tanh" }, [moved], { loc: fixtureLoc(4) }));
  return b.finish();
}

// Each fixture is valid; each spoiler is a one-line mutation that must give its named diagnostic.
describe("spoilers: validate (MT2xxx) and lower (MT3xxx)", () => {
  it("the unmutated programs compile", () => {
    expect(() => compileProgram(mlp.build(mesh, "batch:data, d_ff:model"))).not.toThrow();
    expect(() => compileProgram(relayoutProgram([{ dim: "b", axis: "model" }]))).not.toThrow();
  });

  it("MT2001: two dims of tensors on one axis, once for the pair of rules, naming the program, the rules and the first tensor (with its place as a note)", () => {
    const diagnostics = diagnosticsOf(mlp.build(mesh, "batch:data, d_ff:data"));
    expect(diagnostics.map((item) => item.code)).toEqual(["MT2001"]);
    const [first] = diagnostics;
    expect(first.message).toBe(
      'Layout "batch:data, d_ff:data" of program `mlp` puts "batch" and "d_ff" both on mesh axis "data" (rules "batch:data" and "d_ff:data"), ' +
        "but 2 tensors have both dims, e.g. `h` [batch=4 seq=2 d_ff=8].",
    );
    // Built without sources (no layout string to point at): at the first such tensor, which the note names too.
    expect(first.loc).toEqual(fixtureLoc(3));
    expect(first.notes).toEqual([{ message: "the first tensor with both dims, `h` [batch=4 seq=2 d_ff=8], is made here", loc: fixtureLoc(3) }]);
    expect(first.hint).toMatch(/move "batch" or "d_ff" to another axis/);
  });

  it("MT2002: a size the axis does not divide, once for the dim and axis (not once per tensor)", () => {
    const diagnostics = diagnosticsOf(mlp.build([{ name: "data", size: 3 }], "d_ff:data"));
    expect(diagnostics.map((item) => item.code)).toEqual(["MT2002"]);
    expect(diagnostics[0].message).toBe(
      'Dim "d_ff" of `w_in` [d_model=4 d_ff=8] has size 8, which mesh axis "data" (size 3) does not divide, but layout "d_ff:data" of program `mlp` splits it over "data".',
    );
    expect(diagnostics[0].hint).toContain("make d_ff a multiple of 3");
  });

  it("MT2002: a dim over several axes, divided by their product, once; padded(...) opts out", () => {
    const build = (spec: string) => {
      const b = new ProgramBuilder({ name: "p", mesh, layoutSpec: spec });
      const x = b.param("x", [{ name: "a", size: 6 }, { name: "b", size: 8 }], fixtureLoc(2));
      b.setResult(b.add({ op: "unary", fn: "tanh" }, [x], { loc: fixtureLoc(3) }));
      return b.finish();
    };
    const diagnostics = diagnosticsOf(build("a:(data, model)"));
    expect(diagnostics.map((item) => item.code)).toEqual(["MT2002"]);
    expect(diagnostics[0].message).toBe(
      'Dim "a" of `x` [a=6 b=8] has size 6, which mesh axes (data, model) (8 devices) do not divide, but layout "a:(data, model)" of program `p` splits it over "data" and "model".',
    );
    expect(() => compileProgram(build("a:padded(data, model)"))).not.toThrow();
  });

  it("MT2002: a relayout whose split the axis does not divide, at the relayout", () => {
    const [first] = diagnosticsOf(relayoutProgram([{ dim: "a", axis: "model" }], "b:data"));
    expect(first.code).toBe("MT2002");
    expect(first.message).toContain('Dim "a" of `moved` [a=6 b=8] has size 6, which mesh axis "model" (size 4) does not divide, but relayout(..., "a:model") of program `p` splits it');
    expect(first.loc).toEqual(fixtureLoc(3));
    expect(() => compileProgram(relayoutProgram([{ dim: "b", axis: "model" }], "b:data"))).not.toThrow();
  });

  it("MT2003: a relayout rule naming an unknown mesh axis, and a layout rule too (no IR ids or empty dims in the text)", () => {
    const [first] = diagnosticsOf(relayoutProgram([{ dim: "b", axis: "modle" }]));
    expect(first.code).toBe("MT2003");
    expect(first.message).toBe('relayout(`x` [a=6 b=8], "b:modle") puts "b" on mesh axis "modle", which the mesh of program `p` does not have.');
    expect(first.hint).toBe("Use one of the mesh axes: data, model.");
    const [layoutRule] = diagnosticsOf(mlp.build(mesh, "batch:dta"));
    expect(layoutRule.code).toBe("MT2003");
    expect(layoutRule.message).toBe('Layout "batch:dta" puts "batch" on mesh axis "dta", which the mesh of program `mlp` does not have.');
  });

  it("MT2004: a relayout rule naming a dim the value does not have", () => {
    const [first] = diagnosticsOf(relayoutProgram([{ dim: "c", axis: "model" }]));
    expect(first.code).toBe("MT2004");
    expect(first.message).toBe('relayout(..., "c:model") names dim "c", which `x` [a=6 b=8] does not have.');
  });

  it("MT3001: operands split over one axis on different dims, with no layout rule for the result", () => {
    // two relayouts pin a:model and b:model; the result has both dims, so neither pin decides
    const build = (resultRule: string) => {
      const b = new ProgramBuilder({ name: "p", mesh, layoutSpec: resultRule });
      const x = b.param("x", [{ name: "a", size: 4 }, { name: "b", size: 8 }], fixtureLoc(2));
      const y = b.param("y", [{ name: "b", size: 8 }], fixtureLoc(2));
      const held = b.add({ op: "relayout", rules: [{ dim: "a", axis: "model" }] }, [x], { hint: "held", loc: fixtureLoc(3) });
      const moved = b.add({ op: "relayout", rules: [{ dim: "b", axis: "model" }] }, [y], { hint: "moved", loc: fixtureLoc(3) });
      b.setResult(b.add({ op: "binary", fn: "mul" }, [held, moved], { hint: "out", loc: fixtureLoc(4) }));
      return b.finish();
    };
    const [first] = diagnosticsOf(build(""));
    expect(first.code).toBe("MT3001");
    expect(first.message).toContain('split over mesh axis "model" along different dims (value "held" split(a), value "moved" split(b))');
    expect(first.hint).toContain('relayout(result, "a:model")');
    expect(first.loc).toEqual(fixtureLoc(4));
  });
});
