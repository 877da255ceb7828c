import { describe, expect, it } from "vitest";
import type { MeshAxis } from "../../../dsl/mesh.ts";
import { CompileError } from "../../diagnostics/diagnostic.ts";
import { explainProgram } from "../../explain/explainRows.ts";
import { ProgramBuilder } from "../../ir/builder.ts";
import type { Program } from "../../ir/ir.ts";
import { fixtureLoc } from "../../testing/fixtures.ts";
import { makeInputs, maxDifference, runEager, runLowered } from "../../testing/harness.ts";
import { compileProgram } from "../pipeline.ts";

const mesh: readonly MeshAxis[] = [{ name: "data", size: 2 }, { name: "model", size: 2 }];

/** x [batch d_in] -> h = x . w -> relayout(h, rules): the relayout constrains h, the layout the rest. */
function relayouted(layoutSpec: string, rules: string): Program {
  const b = new ProgramBuilder({ name: "relayouted", mesh, layoutSpec });
  const x = b.param("x", [{ name: "batch", size: 4 }, { name: "d_in", size: 4 }], fixtureLoc(1));
  const w = b.param("w", [{ name: "d_in", size: 4 }, { name: "d_out", size: 4 }], fixtureLoc(1));
  const h = b.add({ op: "einsum" }, [x, w], { out: ["batch", "d_out"], hint: "h", loc: fixtureLoc(2) });
  const parsed = rules.split(",").map((rule) => rule.trim().split(":")).map(([dim, axis]) => ({ dim, axis }));
  b.setResult(b.add({ op: "unary", fn: "relu" }, [b.add({ op: "relayout", rules: parsed }, [h], { loc: fixtureLoc(3) })], { loc: fixtureLoc(4) }));
  return b.finish();
}

async function lowered(program: Program): Promise<Program> {
  const result = compileProgram(program);
  const args = makeInputs(program, 2);
  expect(maxDifference((await runLowered(result, args)).result, await runEager(program, args))).toBeLessThan(1e-5);
  return result;
}

const paramStates = (program: Program): string[] =>
  explainProgram(program).rows.filter((row) => row.op.startsWith("param")).map((row) => `${row.value} ${row.sharding} <- ${row.shardingFrom}`);
const moved = (program: Program): string[] => explainProgram(program).rows.filter((row) => row.collective !== undefined).map((row) => row.op);

describe("open layouts: a relayout's rules for open dims are carried back to what the value is made from", () => {
  it('layout "auto": the params arrive split as the relayout asks, and nothing moves', async () => {
    const program = await lowered(relayouted("auto", "batch:data, d_out:model"));
    expect(paramStates(program)).toEqual([
      '%0 x {data: split(batch), model: replicated} <- propagated back from relayout "batch:data, d_out:model" at fixture.ts:3:3',
      '%1 w {data: replicated, model: split(d_out)} <- propagated back from relayout "batch:data, d_out:model" at fixture.ts:3:3',
    ]);
    expect(moved(program)).toEqual([]);
  });

  it("a full layout keeps its meaning: the dims it does not name are replicated, and the relayout slices", async () => {
    const program = await lowered(relayouted("", "batch:data, d_out:model"));
    expect(paramStates(program)).toEqual(["%0 x {data: replicated, model: replicated} <- layout (replicated)", "%1 w {data: replicated, model: replicated} <- layout (replicated)"]);
    expect(moved(program)).toEqual(["localSlice axis=data dim=batch", "localSlice axis=model dim=d_out"]);
  });

  it('a partial layout ("d_in:model, auto"): its rules stay fixed; only open dims are carried back', async () => {
    const program = await lowered(relayouted("d_in:model, auto", "batch:data"));
    expect(paramStates(program)).toEqual([
      '%0 x {data: split(batch), model: split(d_in)} <- propagated back from relayout "batch:data" at fixture.ts:3:3',
      '%1 w {data: replicated, model: split(d_in)} <- layout "d_in:model"',
    ]);
    expect(moved(program)).toEqual(["allReduce axis=model reduce=sum"]);
  });

  it("MT5201: two relayouts that want one value laid out two ways on one axis, both named, at the later one", () => {
    const b = new ProgramBuilder({ name: "conflict", mesh, layoutSpec: "auto" });
    const x = b.param("x", [{ name: "batch", size: 4 }, { name: "d_in", size: 4 }], fixtureLoc(1));
    const first = b.add({ op: "relayout", rules: [{ dim: "batch", axis: "data" }] }, [x], { loc: fixtureLoc(2) });
    const second = b.add({ op: "relayout", rules: [{ dim: "d_in", axis: "data" }] }, [b.add({ op: "unary", fn: "exp" }, [x], { loc: fixtureLoc(3) })], { loc: fixtureLoc(4) });
    b.setResult(b.add({ op: "binary", fn: "add" }, [first, second], { loc: fixtureLoc(5) }));
    let error: unknown;
    try {
      compileProgram(b.finish());
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CompileError);
    const [found] = (error as CompileError).diagnostics;
    expect(found.code).toBe("MT5201");
    expect(found.loc).toEqual(fixtureLoc(4));
    expect(found.message).toBe(
      'relayout "batch:data" at fixture.ts:2:3 and relayout "d_in:data" at fixture.ts:4:3 both reach value "x" [batch=4 d_in=4] (made at fixture.ts:1:3) ' +
        'and ask for it in different ways on mesh axis "data" (split by "batch" on "data", split by "d_in" on "data"); the layout "auto" leaves it open, so the compiler cannot tell which to keep.',
    );
    expect(found.hint).toContain('relayout(x, "d_in:data")');
  });
});
