import { describe, expect, it } from "vitest";
import type { MeshAxis } from "../../dsl/mesh.ts";
import { ProgramBuilder } from "../ir/builder.ts";
import { compileProgram } from "../passes/pipeline.ts";
import { fixtureLoc } from "../testing/fixtures.ts";
import { explainProgram } from "./explainRows.ts";

const mesh: readonly MeshAxis[] = [{ name: "data", size: 2 }, { name: "model", size: 2 }];

/** `op -> sharding from` of every row. */
function sources(layoutSpec: string, body: (b: ProgramBuilder) => void): string[] {
  const b = new ProgramBuilder({ name: "sources", mesh, layoutSpec });
  body(b);
  return explainProgram(compileProgram(b.finish())).rows.map((row) => `${row.op.split(" ")[0]} -> ${row.shardingFrom ?? ""}`);
}

describe("explain: where each sharding came from", () => {
  it("params from the layout's rules, ops propagated, a conversion for one reader, a relayout's constraint", () => {
    const rows = sources("batch:data, d_in:model", (b) => {
      const x = b.param("x", [{ name: "batch", size: 4 }, { name: "d_in", size: 4 }], fixtureLoc(1));
      const w = b.param("w", [{ name: "d_in", size: 4 }, { name: "d_out", size: 4 }], fixtureLoc(1));
      const y = b.add({ op: "einsum" }, [x, w], { out: ["batch", "d_out"], loc: fixtureLoc(2) });
      b.setResult(b.add({ op: "relayout", rules: [{ dim: "d_out", axis: "model" }] }, [y], { loc: fixtureLoc(3) }));
    });
    expect(rows).toEqual([
      'param -> layout "batch:data, d_in:model"',
      'param -> layout "d_in:model"',
      "einsum -> propagated (einsum)",
      "reduceScatter -> read by relayout at fixture.ts:3:3",
      'relayout -> relayout "d_out:model" at fixture.ts:3:3',
    ]);
  });

  it("a pending sum that a norm and a linear op both read: reduced once", () => {
    const rows = sources("d_in:model", (b) => {
      const x = b.param("x", [{ name: "batch", size: 4 }, { name: "d_in", size: 4 }]);
      const w = b.param("w", [{ name: "d_in", size: 4 }, { name: "d_out", size: 4 }]);
      const y = b.add({ op: "einsum" }, [x, w], { out: ["batch", "d_out"] });
      const squared = b.add({ op: "unary", fn: "square" }, [y]);
      b.setResult(b.add({ op: "binary", fn: "mul" }, [y, squared]));
    });
    expect(rows.filter((row) => row.startsWith("allReduce"))).toEqual(["allReduce -> reduced once (model)"]);
  });
});
