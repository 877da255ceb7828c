import { describe, expect, it } from "vitest";
import type { MeshAxis } from "../../dsl/mesh.ts";
import { compileProgram } from "../passes/pipeline.ts";
import { convNet } from "../testing/programs.ts";
import type { Block, Loop, Op, Program } from "./ir.ts";
import { printProgram } from "./printer.ts";
import { verify } from "./verify.ts";

const mesh: readonly MeshAxis[] = [{ name: "data", size: 2 }, { name: "model", size: 4 }];

/** `program` with its top-level ops rewritten by `change` (undefined drops the op). */
function mutate(program: Program, change: (op: Op) => Op | undefined): Program {
  const body: Block = program.body.flatMap((statement): (Op | Loop)[] => {
    if (statement.op === "loop") return [statement];
    const changed = change(statement);
    return changed ? [changed] : [];
  });
  return { ...program, body };
}

describe("conv2d in the IR", () => {
  it("infers x's dims with in replaced by out, and prints its roles and padding", () => {
    const text = printProgram(convNet.build(mesh, ""));
    expect(text).toContain("%4 y1 [batch=2 height=8 width=4 c_out=4] = conv2d height=height width=width kernelHeight=kh kernelWidth=kw padding={height=same width=same} in=c_in out=c_out %0 %1 @ fixture.ts:3:3");
  });

  it("the verifier rejects a split spatial input without its halo, and a haloExchange whose halo the conv does not expect", () => {
    const lowered = compileProgram(convNet.build(mesh, "height:model"));
    expect(() => verify(lowered, "test")).not.toThrow();
    const exchanges = new Map(lowered.body.flatMap((op) => (op.op === "haloExchange" ? [[op.output, op.inputs[0]] as const] : [])));
    const skipped = mutate(lowered, (op) => (op.op === "haloExchange" ? undefined : op.op === "conv2d" ? { ...op, inputs: [exchanges.get(op.inputs[0]) ?? op.inputs[0], op.inputs[1]] } : op));
    expect(() => verify({ ...skipped, values: new Map([...lowered.values].filter(([id]) => !exchanges.has(id))) }, "test")).toThrow(
      /conv2d .*: x is split over "model" along "height" with halo 0, expected 1/,
    );
    const unlisted = mutate(lowered, (op) => (op.op === "conv2d" ? { ...op, halo: [] } : op));
    expect(() => verify(unlisted, "test")).toThrow(/x carries a halo along "height" but the op does not list it in halo/);
  });
});
