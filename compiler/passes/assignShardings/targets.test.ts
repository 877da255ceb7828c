import { describe, expect, it } from "vitest";
import type { LayoutRule } from "../../../dsl/parseLayout.ts";
import { ProgramBuilder } from "../../ir/builder.ts";
import type { Program } from "../../ir/ir.ts";
import { Targets } from "./targets.ts";

const dims = [{ name: "rows", size: 4 }, { name: "cols", size: 8 }];

/** Four params of the same dims (one dims array, as a model's layers share it), with rule lists set per value. */
function params(rulesOf: (ids: readonly number[]) => Map<number, readonly LayoutRule[]>): { program: Program; ids: number[] } {
  const builder = new ProgramBuilder({ name: "targets", mesh: [{ name: "data", size: 2 }, { name: "model", size: 2 }], layoutSpec: "cols:model" });
  const tree = builder.addParam("p", { kind: "array", items: Array.from({ length: 4 }, () => ({ kind: "tensor" as const, dims })) });
  const ids = tree.kind === "array" ? tree.items.map((item) => (item.kind === "tensor" ? item.value : -1)) : [];
  builder.setResult(ids[0]);
  return { program: { ...builder.finish(), valueRules: rulesOf(ids) }, ids };
}

describe("targets of values with their own rules (weight-update sharding's)", () => {
  it("gives each rule list its own target, shared by the values of one list and dims, and the layout's to the others", () => {
    const onData: readonly LayoutRule[] = [{ dim: "rows", axis: "data" }];
    const onDataToo: readonly LayoutRule[] = [{ dim: "cols", axis: "data" }];
    const { program, ids } = params((all) => new Map([[all[0], onData], [all[1], onData], [all[2], onDataToo]]));
    const targets = new Targets(program);
    const [first, second, third, fourth] = ids.map((id) => targets.target(id));
    expect(first.sharding).toEqual({ data: { kind: "split", dim: "rows" }, model: { kind: "split", dim: "cols" } });
    expect(first.source).toEqual({ kind: "weightUpdate", axis: "data" });
    expect(second).toBe(first);
    // the same dims with another list: not the first list's target
    expect(third.sharding).toEqual({ data: { kind: "split", dim: "cols" }, model: { kind: "replicated" } });
    // no own rules: the layout's
    expect(fourth.sharding).toEqual({ data: { kind: "replicated" }, model: { kind: "split", dim: "cols" } });
    expect(fourth.source).toEqual({ kind: "layout", rules: [{ dim: "cols", axis: "model" }] });
  });
});
