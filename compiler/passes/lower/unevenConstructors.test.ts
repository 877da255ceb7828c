/**
 * The ops the equivalence fixtures leave out, under uneven splits: values
 * made on the device (iota, full, seeded random) and a select (where), read
 * by reductions and a contraction over the padded dims. Every device makes
 * its block of the global value, its padding masked where it is read: the
 * gathered results equal eager on 2x2 and 2x2x2 meshes.
 */
import { describe, expect, it } from "vitest";
import { defineFixture, fixtureLoc as at } from "../../testing/fixtures.ts";
import { makeInputs, maxDifference, runEager, runLowered } from "../../testing/harness.ts";
import { multiAxisMeshes, validSampledLayouts } from "../../testing/multiAxisLayouts.ts";
import { walkOps } from "../../ir/opAttrs.ts";
import { compileProgram } from "../pipeline.ts";

const constructors = defineFixture("constructors", { rows: 5, cols: 3, out: 3 }, (b, dims) => {
  const x = b.param("x", dims("rows cols"), at(2));
  const w = b.param("w", dims("cols out"), at(2));
  const index = b.add({ op: "iota", dim: "rows" }, [], { dims: dims("rows"), hint: "index", loc: at(3) });
  const ones = b.add({ op: "full", value: 1.5 }, [], { dims: dims("rows cols"), hint: "ones", loc: at(4) });
  const noise = b.add({ op: "random", name: "noise", seed: 7, dist: "uniform", scale: 1 }, [], { dims: dims("rows cols"), hint: "noise", loc: at(5) });
  // rows 3 and up take x, the others 1.5 + noise: a select on an index made on the device
  const late = b.add({ op: "binary", fn: "greaterEqual", scalar: { value: 3, position: 1 } }, [index], { loc: at(6) });
  const picked = b.add({ op: "where" }, [late, x, b.add({ op: "binary", fn: "add" }, [ones, noise], { loc: at(6) })], { hint: "picked", loc: at(6) });
  const y = b.add({ op: "einsum" }, [picked, w], { out: ["rows", "out"], hint: "y", loc: at(7) });
  const total = b.add({ op: "reduce", fn: "sum", dims: ["rows"] }, [y], { hint: "total", loc: at(8) });
  const top = b.add({ op: "reduce", fn: "max", dims: ["rows", "cols"] }, [picked], { hint: "top", loc: at(9) });
  const spread = b.add({ op: "reduce", fn: "sum", dims: ["rows"] }, [b.add({ op: "binary", fn: "mul" }, [index, index], { loc: at(10) })], { hint: "spread", loc: at(10) });
  const leaf = (value: number) => ({ kind: "tensor", value }) as const;
  return { kind: "object", fields: { total: leaf(total), top: leaf(top), spread: leaf(spread) } };
});

describe("iota, full, random and where under uneven splits", () => {
  for (const mesh of multiAxisMeshes) {
    const shape = mesh.map((axis) => axis.size).join("x");
    it(`match eager under sampled padded layouts on a ${shape} mesh`, async () => {
      const layouts = validSampledLayouts(constructors, mesh, 6, 5 + mesh.length, true);
      expect(layouts.length).toBeGreaterThan(2);
      // the sample splits the index's dim unevenly, and masks its padding where it is read
      expect(layouts.some((layout) => layout.includes("rows:padded"))).toBe(true);
      const masks = layouts.flatMap((layout) => [...walkOps(compileProgram(constructors.build(mesh, layout)).body)].filter((op) => op.op === "maskPadding"));
      expect(masks.length).toBeGreaterThan(0);
      for (const layout of layouts) {
        const program = constructors.build(mesh, layout);
        const args = makeInputs(program, 3);
        const { result } = await runLowered(compileProgram(program), args);
        expect(maxDifference(result, await runEager(program, args)), `layout "${layout}" on ${shape}`).toBeLessThan(1e-4);
      }
    });
  }
});
