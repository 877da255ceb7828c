import { describe, expect, it } from "vitest";
import type { MeshAxis } from "../../dsl/mesh.ts";
import { defineFixture, fixtureLoc as at } from "../testing/fixtures.ts";
import { fusedOps } from "../testing/fusedPrograms.ts";
import { makeInputs, maxDifference, runEager, runLowered } from "../testing/harness.ts";
import { validLayouts } from "../testing/layouts.ts";
import { walkOps } from "../ir/opAttrs.ts";
import { decompose } from "./decompose.ts";
import { compileProgram } from "./pipeline.ts";
import { validate } from "./validate.ts";

// The fused ops (dsl/ops/fused.ts) where the layout splits the dim they work along: decompose rewrites normalize and
// normalizeGrad into sums that work shard by shard; every layout's gathered result equals the eager (fused) one.

const mesh2x2: readonly MeshAxis[] = [{ name: "data", size: 2 }, { name: "model", size: 2 }];
const kinds = (layout: string): string[] => [...walkOps(decompose(validate(fusedOps.build(mesh2x2, layout))).body)].map((op) => op.op);

describe("decompose of the fused ops", () => {
  it("keeps normalize and normalizeGrad whole where the layout does not split their dim", () => {
    const ops = kinds("batch:data, d_ff:model");
    expect(ops.filter((kind) => kind === "normalize")).toHaveLength(2);
    expect(ops.filter((kind) => kind === "normalizeGrad")).toHaveLength(1);
    expect(ops.filter((kind) => kind === "unaryGrad")).toHaveLength(1);
    expect(ops).not.toContain("reduce");
  });

  it("rewrites them into sums where the layout splits d_model; the norm over seq stays fused", () => {
    const ops = kinds("d_model:model");
    expect(ops.filter((kind) => kind === "normalize")).toHaveLength(1);
    expect(ops).not.toContain("normalizeGrad");
    // normalize: the mean and the variance; normalizeGrad: those two again, mean(g) and mean(g xh)
    expect(ops.filter((kind) => kind === "reduce")).toHaveLength(6);
  });

  it("a norm over a split d_model all-reduces its two sums and gathers nothing", async () => {
    const single = defineFixture("norm", { batch: 2, d_model: 4 }, (b, dims) =>
      b.add({ op: "normalize", dim: "d_model", epsilon: 1e-5 }, [b.param("x", dims("batch d_model"), at(2))], { loc: at(3) }));
    const lowered = compileProgram(single.build(mesh2x2, "batch:data, d_model:model"));
    const collectives = [...walkOps(lowered.body)].filter((op) => op.op.startsWith("all")).map((op) => op.op === "allReduce" ? `${op.op}@${op.axis}:${op.reduce}` : op.op);
    expect(collectives).toEqual(["allReduce@model:sum", "allReduce@model:sum"]);
  });

  const runAll = async (fixture: typeof fusedOps, mesh: readonly MeshAxis[], layouts: readonly string[]): Promise<void> => {
    for (const layout of layouts) {
      const program = fixture.build(mesh, layout);
      const args = makeInputs(program, 3);
      const expected = await runEager(program, args);
      const { result } = await runLowered(compileProgram(program), args);
      expect(maxDifference(result, expected), `layout "${layout}"`).toBeLessThan(1e-4);
    }
  };

  for (const [label, mesh] of [["2x2", mesh2x2], ["4", [{ name: "model", size: 4 }]]] as const) {
    it(`equals the eager fused ops under every valid layout on a ${label} mesh`, async () => {
      const layouts = validLayouts(fusedOps, mesh);
      expect(layouts.filter((layout) => layout.includes("d_model:")).length).toBeGreaterThan(0);
      await runAll(fusedOps, mesh, layouts);
    });
  }

  it("equals them with d_model split unevenly (padded blocks) and over two axes", async () => {
    const odd = { ...fusedOps, sizes: { batch: 3, seq: 5, d_model: 3, d_ff: 3 } };
    await runAll(odd, mesh2x2, [
      "d_model:padded(model)", "d_model:padded(model), batch:padded(data)", "d_model:padded(data), seq:padded(model), d_ff:padded(model)",
      "d_model:padded(data, model)", "seq:padded(model), d_ff:padded(data)",
    ]);
    await runAll(fusedOps, mesh2x2, ["d_model:(data, model)", "d_model:(model, data)"]);
  });
});
