import { describe, expect, it } from "vitest";
import type { MeshAxis } from "../../../dsl/mesh.ts";
import type { Sharding } from "../../ir/ir.ts";
import { planConversion } from "./conversionTable.ts";

const mesh: readonly MeshAxis[] = [{ name: "data", size: 2 }, { name: "model", size: 4 }];
const replicated = { kind: "replicated" } as const;
const split = (dim: string) => ({ kind: "split", dim }) as const;
const partial = { kind: "partial", reduce: "sum" } as const;

function ops(from: Sharding, to: Sharding): string[] {
  return planConversion(from, to, mesh).map((step) => Object.values(step.attrs).join(" "));
}

describe("planConversion (DESIGN.md conversion table)", () => {
  it("uses one collective per row of the table", () => {
    expect(ops({ data: partial, model: replicated }, { data: replicated, model: replicated })).toEqual(["allReduce data sum"]);
    expect(ops({ data: partial, model: replicated }, { data: split("b"), model: replicated })).toEqual(["reduceScatter data b sum"]);
    expect(ops({ data: split("b"), model: replicated }, { data: replicated, model: replicated })).toEqual(["allGather data b"]);
    expect(ops({ data: split("b"), model: replicated }, { data: split("c"), model: replicated })).toEqual(["allToAll data c b"]);
    expect(ops({ data: replicated, model: replicated }, { data: replicated, model: split("c") })).toEqual(["localSlice model c"]);
  });

  it("never splits one dim over two axes on the way: gathers before slicing a dim onto another axis", () => {
    expect(ops({ data: split("b"), model: replicated }, { data: replicated, model: split("b") })).toEqual(["allGather data b", "localSlice model b"]);
  });

  it("swaps two split dims between axes with a gather and an all-to-all", () => {
    expect(ops({ data: split("b"), model: split("c") }, { data: split("c"), model: split("b") })).toEqual([
      "allGather data b",
      "allToAll model b c",
      "localSlice data c",
    ]);
  });

  it("does nothing for the same sharding, and refuses to make a partial", () => {
    expect(ops({ data: partial, model: split("c") }, { data: partial, model: split("c") })).toEqual([]);
    expect(() => planConversion({ data: replicated, model: replicated }, { data: partial, model: replicated }, mesh)).toThrow(/cannot make/);
  });
});
