import { describe, expect, it } from "vitest";
import { num, sameStructure, str, treeStructure, type StaticValue } from "./staticValue.ts";

const tensor = (id: number): StaticValue => ({ kind: "tensor", id });
const object = (fields: [string, StaticValue][]): StaticValue => ({ kind: "object", fields: new Map(fields) });
const array = (items: StaticValue[]): StaticValue => ({ kind: "array", items });
const layer = (base: number): StaticValue => object([["w", tensor(base)], ["norm", object([["scale", tensor(base + 1)], ["bias", tensor(base + 2)]])]]);

describe("comparing the structure of static trees in place", () => {
  const cases: [string, StaticValue, StaticValue][] = [
    ["two layers with other tensors", layer(0), layer(10)],
    ["a field missing", layer(0), object([["w", tensor(1)]])],
    ["fields in another order", object([["a", tensor(0)], ["b", tensor(1)]]), object([["b", tensor(0)], ["a", tensor(1)]])],
    ["another field name", object([["a", tensor(0)]]), object([["b", tensor(0)]])],
    ["arrays of other lengths", array([tensor(0), tensor(1)]), array([tensor(0)])],
    ["an array where a tensor is", array([tensor(0)]), array([layer(0)])],
    ["a tensor and an object", tensor(0), object([])],
    ["an array and an object", array([]), object([])],
    ["numbers (only the kind counts)", num(1), num(2)],
    ["a number and a string", num(1), str("1")],
  ];

  it.each(cases)("agrees with comparing treeStructure strings: %s", (_what, first, second) => {
    expect(sameStructure(first, second)).toBe(treeStructure(first) === treeStructure(second));
    expect(sameStructure(second, first)).toBe(treeStructure(first) === treeStructure(second));
  });

  it("tells equal layers from layers that differ deep inside", () => {
    expect(sameStructure(array([layer(0), layer(3)]), array([layer(6), layer(9)]))).toBe(true);
    const other = object([["w", tensor(0)], ["norm", object([["scale", tensor(1)], ["shift", tensor(2)]])]]);
    expect(sameStructure(array([layer(0), layer(3)]), array([layer(6), other]))).toBe(false);
  });
});
