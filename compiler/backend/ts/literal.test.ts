import { describe, expect, it } from "vitest";
import { repeatsOneItem, sameData, writeLiteral } from "./literal.ts";

const leaf = (dim: string, axis: string) => ({ kind: "tensor", dims: [{ name: dim, size: 8 }, { name: "d_model", size: 16 }], sharding: { data: { kind: "split", dim }, model: { kind: axis } } });
/** One layer's meta tree: a fresh object each call (as the meta of each layer is), equal data. */
const layer = (axis = "replicated") => ({ kind: "object", fields: { w_in: leaf("d_ff", axis), w_out: leaf("d_ff", "replicated"), bias: leaf("d_ff", "replicated") } });

describe("writing plain data as a literal", () => {
  it("compares data in place as their one-line forms would: items, defined fields in order, JSON values", () => {
    expect(sameData(layer(), layer())).toBe(true);
    expect(sameData(layer(), layer("partial"))).toBe(false);
    expect(sameData({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(sameData({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(false);
    expect(sameData([1, 2], [1, 2, 3])).toBe(false);
    expect(sameData({}, [])).toBe(false);
    expect(sameData(null, Number.NaN)).toBe(true); // both are written null
    expect(sameData({ a: null }, { a: {} })).toBe(false);
    expect(repeatsOneItem([layer(), layer(), layer()])).toBe(true);
    expect(repeatsOneItem([layer(), layer(), layer("partial")])).toBe(false);
    expect(repeatsOneItem([1, 1])).toBe(false);
  });

  it("writes equal layers once, and layers that differ one by one", () => {
    const same = writeLiteral({ layers: [layer(), layer(), layer()] });
    expect(same).toMatch(/^\{\n {2}layers: Array\.from\(\{ length: 3 \}, \(\) => \(\{\n/);
    expect(same.match(/w_in/g)).toHaveLength(1);
    const differ = writeLiteral({ layers: [layer(), layer("partial"), layer()] });
    expect(differ.match(/w_in/g)).toHaveLength(3);
    expect(differ).toContain('model: { kind: "partial" }');
  });

  it("keeps what fits in 100 characters on one line, and every tensor leaf on one line however long", () => {
    expect(writeLiteral({ a: [1, 2, 3], b: "x" })).toBe('{ a: [1, 2, 3], b: "x" }');
    const long = { kind: "tensor", dims: Array.from({ length: 12 }, (_, index) => ({ name: `dim${index}`, size: index + 1 })) };
    const written = writeLiteral([long, 1]);
    expect(written.split("\n")).toHaveLength(4);
    expect(written.split("\n")[2]).toBe("  1,");
    expect(written.split("\n")[1]).toMatch(/^ {2}\{ kind: "tensor", dims: \[\{ name: "dim0", size: 1 \}, .*\{ name: "dim11", size: 12 \}\] \},$/);
    const wide = { first: "a".repeat(50), second: "b".repeat(50) };
    expect(writeLiteral(wide)).toBe(`{\n  first: "${"a".repeat(50)}",\n  second: "${"b".repeat(50)}",\n}`);
    expect(writeLiteral({ first: "a".repeat(35), second: "b".repeat(35) })).toBe(`{ first: "${"a".repeat(35)}", second: "${"b".repeat(35)}" }`);
  });
});
