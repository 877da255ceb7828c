import { describe, expect, it } from "vitest";
import { ProgramBuilder } from "../ir/builder.ts";
import type { Loop, Program } from "../ir/ir.ts";
import { verify } from "../ir/verify.ts";
import { fuseLoops } from "./fuseLoops.ts";

const dims = [{ name: "d", size: 4 }];

/**
 * A loop of 3 iterations over `x` yielding `tanh` and `exp` of its carried value; a second loop
 * reading the tanh items in order and yielding `relu` of them. The result: the second loop's
 * items, and (with `keepExp`) the first loop's exp items.
 */
function twoLoops(keepExp: boolean): Program {
  const builder = new ProgramBuilder({ name: "twoLoops", mesh: [{ name: "data", size: 2 }], layoutSpec: "" });
  const x = builder.param("x", dims);
  const first = builder.openLoop(3, [x]);
  const tanh = builder.add({ op: "unary", fn: "tanh" }, [first.carried[0]]);
  const exp = builder.add({ op: "unary", fn: "exp" }, [first.carried[0]]);
  const [tanhItems, expItems] = builder.closeLoopWithYields([tanh], [tanh, exp]).yields;
  const second = builder.openLoop(3, [], [tanhItems]);
  const relu = builder.add({ op: "unary", fn: "relu" }, [second.indexed[0]]);
  const [reluItems] = builder.closeLoopWithYields([], [relu]).yields;
  const leaves = [...reluItems, ...(keepExp ? expItems : [])].map((value) => ({ kind: "tensor" as const, value }));
  builder.setResult({ kind: "array", items: leaves });
  return verify(builder.finish());
}

const loops = (program: Program): Loop[] => program.body.filter((statement): statement is Loop => statement.op === "loop");

describe("fuseLoops", () => {
  it("fuses the second loop into the first and keeps the yields the result reads", () => {
    const program = twoLoops(true);
    const fused = verify(fuseLoops(program));
    expect(loops(fused)).toHaveLength(1);
    // tanh's items were read only by the second loop: dropped; exp's (a result) and relu's kept
    expect(loops(fused)[0].yields).toHaveLength(2);
    expect(fused.values.size).toBe(program.values.size - 3 - 1); // tanh's 3 items and the second loop's indexed value
  });

  it("drops a yield nothing reads, and its items from program.values", () => {
    const program = twoLoops(false);
    const fused = verify(fuseLoops(program));
    expect(loops(fused)[0].yields).toHaveLength(1);
    expect(fused.values.size).toBe(program.values.size - 6 - 1); // tanh's and exp's items, the indexed value
  });
});
