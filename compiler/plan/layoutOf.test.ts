import { describe, expect, it } from "vitest";
import type { MeshAxis } from "../../dsl/mesh.ts";
import { compileProgram } from "../passes/pipeline.ts";
import { heads, layers, mlp } from "../testing/programs.ts";
import { canWidenRule, formatRules, layoutStringOf } from "./layoutOf.ts";

const mesh: readonly MeshAxis[] = [{ name: "data", size: 2 }, { name: "model", size: 2 }];

describe("layoutStringOf: the layout that describes an assignment", () => {
  it("gives back the layout a propagated assignment came from (data and Megatron rules, two dims sharing an axis)", () => {
    for (const [fixture, spec] of [[mlp, "batch:data, d_ff:model"], [layers, "batch:data, d_ff:model"], [heads, "batch:data, heads:model"], [mlp, "d_ff:data"]] as const) {
      const program = fixture.build(mesh, spec);
      const lowered = compileProgram(program);
      expect(layoutStringOf(program, lowered.assignment!), `${fixture.name} "${spec}"`).toBe(spec);
    }
  });

  it("never puts two dims of one value on one axis, and leaves out a split a value could not take", () => {
    const program = mlp.build(mesh, "");
    const lowered = compileProgram(program);
    // an assignment that splits batch on data in half the values and d_model on data in the other half: one rule for data only
    const held = new Map([...lowered.assignment!.held].map(([id, value]) => {
      const dims = program.values.get(id)?.dims.map((dim) => dim.name) ?? [];
      const dim = dims.includes("batch") ? "batch" : dims.includes("d_model") ? "d_model" : undefined;
      return [id, { ...value, sharding: { data: dim ? { kind: "split" as const, dim } : { kind: "replicated" as const }, model: { kind: "replicated" as const } } }];
    }));
    const spec = layoutStringOf(program, { ...lowered.assignment!, held });
    expect(spec.split(", ").filter((rule) => rule.endsWith(":data"))).toHaveLength(1);
  });

  it("a dim over several axes: written dim:(major, minor) in mesh order, and widened only where the axes together divide it and no other dim holds the axis", () => {
    const program = mlp.build(mesh, "");
    expect(formatRules(program, [{ dim: "batch", axis: "model" }, { dim: "batch", axis: "data" }])).toBe("batch:(data, model)");
    expect(formatRules(program, [{ dim: "d_ff", axis: "model" }, { dim: "batch", axis: "data" }])).toBe("batch:data, d_ff:model");
    // batch is 4 in the fixture: data x model (2 x 2) divides it
    expect(canWidenRule(program, [{ dim: "batch", axis: "data" }], { dim: "batch", axis: "model" })).toBe(true);
    expect(canWidenRule(program, [{ dim: "batch", axis: "data" }], { dim: "batch", axis: "data" })).toBe(false);
    expect(canWidenRule(program, [{ dim: "d_ff", axis: "data" }], { dim: "batch", axis: "model" })).toBe(false);
    // d_ff is on model in values that also hold batch: batch may not take model too
    expect(canWidenRule(program, [{ dim: "batch", axis: "data" }, { dim: "d_ff", axis: "model" }], { dim: "batch", axis: "model" })).toBe(false);
  });
});
