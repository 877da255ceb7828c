import { describe, expect, it } from "vitest";
import { torchBuildFiles } from "../backend/torch/index.ts";
import { emitModule } from "../backend/ts/emitModule.ts";
import { compileProgram } from "../passes/pipeline.ts";
import { ProgramBuilder } from "./builder.ts";
import type { Program, Value, ValueId } from "./ir.ts";
import { ProgramRewriter } from "./rewriter.ts";

/** `x -> relu -> relu -> ...`: a program of `ops + 1` values. */
function chain(ops: number): Program {
  const b = new ProgramBuilder({ name: "chain", mesh: [{ name: "data", size: 2 }], layoutSpec: "a:data" });
  let x = b.param("x", [{ name: "a", size: 4 }, { name: "b", size: 2 }]);
  for (let index = 0; index < ops; index++) x = b.add({ op: "unary", fn: "relu" }, [x]);
  b.setResult(x);
  return b.finish();
}

describe("large programs: no recursion or spread over every value", () => {
  it("the rewriter hands out ids above every id of a 300,000-value program (was RangeError: Maximum call stack size exceeded from Math.max(...ids))", () => {
    const small = chain(1);
    const values = new Map<ValueId, Value>(small.values);
    for (let id = values.size; id < 300_000; id++) values.set(id, { id, dims: [] });
    const rewriter = new ProgramRewriter({ ...small, values });
    expect(rewriter.newValue([], undefined)).toBe(300_000);
  });

  // 160,000 values: past the ~125,000 arguments at which a spread call overflows Node's default stack.
  it("a 160,000-value program goes through every pass and both back ends", () => {
    const lowered = compileProgram(chain(159_999));
    expect(lowered.values.size).toBeGreaterThanOrEqual(160_000);
    const module = emitModule([lowered], { sourceFile: "chain.ts" });
    expect(module.split("relu(").length - 1).toBe(159_999);
    const [python] = torchBuildFiles([lowered], { sourceFile: "chain.ts" });
    expect(python.text.split("torch.relu(").length - 1).toBe(159_999);
    // a check of scale (no recursion or spread over every value), not of speed: room for a loaded 2-core machine
  }, 240_000);
});
