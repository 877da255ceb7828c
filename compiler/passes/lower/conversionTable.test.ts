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

describe("planConversion (the conversion table of docs/architecture.md)", () => {
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

describe("planConversion over a dim split over several axes (a stack, major first)", () => {
  const mesh3: readonly MeshAxis[] = [{ name: "data", size: 2 }, { name: "fsdp", size: 2 }, { name: "model", size: 2 }];
  const minor = (dim: string, order: number) => ({ kind: "split", dim, order }) as const;
  const ops3 = (from: Sharding, to: Sharding): string[] => planConversion(from, to, mesh3).map((step) => Object.values(step.attrs).join(" "));
  const fsdpBatch = { data: split("b"), fsdp: minor("b", 1), model: replicated };

  it("gathers the minor axis alone, but the major one only after the minor (then slices the minor back)", () => {
    expect(ops3(fsdpBatch, { data: split("b"), fsdp: replicated, model: replicated })).toEqual(["allGather fsdp b"]);
    expect(ops3(fsdpBatch, { data: replicated, fsdp: split("b"), model: replicated })).toEqual(["allGather fsdp b", "allGather data b", "localSlice fsdp b"]);
    expect(ops3(fsdpBatch, { data: replicated, fsdp: replicated, model: replicated })).toEqual(["allGather fsdp b", "allGather data b"]);
  });

  it("builds a stack major first: slices, and a reduce-scatter onto the minor end", () => {
    const whole = { data: replicated, fsdp: replicated, model: replicated };
    expect(ops3(whole, fsdpBatch)).toEqual(["localSlice data b", "localSlice fsdp b"]);
    expect(ops3(whole, { data: minor("b", 1), fsdp: split("b"), model: replicated })).toEqual(["localSlice fsdp b", "localSlice data b"]);
    expect(ops3({ data: split("b"), fsdp: partial, model: replicated }, fsdpBatch)).toEqual(["reduceScatter fsdp b sum"]);
  });

  it("reverses an order by unstacking to the common prefix and stacking again", () => {
    expect(ops3(fsdpBatch, { data: minor("b", 1), fsdp: split("b"), model: replicated })).toEqual([
      "allGather fsdp b",
      "allGather data b",
      "localSlice fsdp b",
      "localSlice data b",
    ]);
  });

  it("moves the minor axis to another dim with an all-to-all, and extends another dim's stack with it", () => {
    expect(ops3(fsdpBatch, { data: split("b"), fsdp: split("c"), model: replicated })).toEqual(["allToAll fsdp c b"]);
    expect(ops3({ data: split("b"), fsdp: split("c"), model: replicated }, { data: split("b"), fsdp: replicated, model: split("c") })).toEqual([
      "allGather fsdp c",
      "localSlice model c",
    ]);
    expect(ops3({ data: split("b"), fsdp: replicated, model: split("c") }, { data: split("b"), fsdp: minor("b", 1), model: split("c") })).toEqual(["localSlice fsdp b"]);
  });
});
