/**
 * `sameState` and `sameSharding` compare states as they are written (an
 * order or halo of 0 is the same as none), structurally and without
 * formatting them: every pass calls them for every value.
 */
import { describe, expect, it } from "vitest";
import type { AxisState, Sharding } from "./ir.ts";
import { sameSharding, sameState } from "./sharding.ts";

const split = (dim: string, extra: { order?: number; halo?: number } = {}): AxisState => ({ kind: "split", dim, ...extra });

describe("sameState", () => {
  it("tells states apart by kind, dim, order, halo and reduction", () => {
    expect(sameState({ kind: "replicated" }, { kind: "replicated" })).toBe(true);
    expect(sameState(split("batch"), split("batch"))).toBe(true);
    expect(sameState(split("batch"), split("seq"))).toBe(false);
    expect(sameState(split("batch", { order: 1 }), split("batch"))).toBe(false);
    expect(sameState(split("batch", { order: 0 }), split("batch"))).toBe(true);
    expect(sameState(split("h", { halo: 1 }), split("h"))).toBe(false);
    expect(sameState(split("h", { halo: 0 }), split("h"))).toBe(true);
    expect(sameState({ kind: "partial", reduce: "sum" }, { kind: "partial", reduce: "max" })).toBe(false);
    expect(sameState({ kind: "partial", reduce: "sum" }, { kind: "replicated" })).toBe(false);
    expect(sameState({ kind: "replicated" }, split("batch"))).toBe(false);
  });
});

describe("sameSharding", () => {
  const a: Sharding = { data: split("batch"), model: { kind: "replicated" } };
  it("is true for equal states on the same axes, false for another state, a missing or an extra axis", () => {
    expect(sameSharding(a, { data: split("batch"), model: { kind: "replicated" } })).toBe(true);
    expect(sameSharding(a, { data: split("batch"), model: { kind: "partial", reduce: "sum" } })).toBe(false);
    expect(sameSharding(a, { data: split("batch") })).toBe(false);
    expect(sameSharding({ data: split("batch") }, a)).toBe(false);
    expect(sameSharding(a, { ...a, expert: { kind: "replicated" } })).toBe(false);
    expect(sameSharding(undefined, undefined)).toBe(true);
    expect(sameSharding(a, undefined)).toBe(false);
    expect(sameSharding(undefined, a)).toBe(false);
  });
});
