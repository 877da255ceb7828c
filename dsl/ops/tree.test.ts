import { describe, expect, test } from "vitest";
import { dims } from "../dims.ts";
import { MeshtypeError } from "../errors.ts";
import { add, mul } from "./binary.ts";
import { tensor } from "./create.ts";
import { treeMap } from "./tree.ts";

const D = dims({ x: 2 });
const a = tensor(D, "x", [1, 2]);
const b = tensor(D, "x", [10, 20]);

describe("treeMap", () => {
  test("maps leaves of objects and arrays, keeping the structure", () => {
    const out = treeMap((leaf) => mul(leaf, 2), { w: a, layers: [a, b] });
    expect(Array.from(out.w.data)).toEqual([2, 4]);
    expect(Array.from(out.layers[1].data)).toEqual([20, 40]);
    expect(out.layers).toHaveLength(2);
  });

  test("passes the leaves at the same position of every tree", () => {
    const out = treeMap((left, right) => add(left, right), { p: [a] }, { p: [b] });
    expect(Array.from(out.p[0].data)).toEqual([11, 22]);
  });

  test("names the path where the trees differ, and a leaf that is not a tensor", () => {
    expect(() => treeMap((left) => left, { p: [a] }, { p: [a, b] })).toThrow(/differ at \.p: tree 1 has an array of 1 where tree 2 has an array of 2/);
    expect(() => treeMap((left) => left, { p: a }, { q: a } as unknown as { p: typeof a })).toThrow(/fields \{p\} where tree 2 has \{q\}/);
    expect(() => treeMap((left) => left, { p: 3 })).toThrow(MeshtypeError);
    expect(() => treeMap((left) => left, { p: 3 })).toThrow(/\.p is number 3; every leaf must be a tensor/);
  });
});
