import { describe, expect, expectTypeOf, it } from "vitest";
import type * as IR from "../../compiler/ir/ir.ts";
import { describeSharding, partial, replicated, split, type AxisState, type PartialReduce, type Sharding } from "./sharding.ts";

describe("runtime sharding types", () => {
  it("are the IR's types (checked by tsc: a drift in either file fails the typecheck)", () => {
    expectTypeOf<AxisState>().toEqualTypeOf<IR.AxisState>();
    expectTypeOf<Sharding>().toEqualTypeOf<IR.Sharding>();
    expectTypeOf<PartialReduce>().toEqualTypeOf<IR.PartialReduce>();
  });

  it("print as messages show them", () => {
    expect(describeSharding({ data: split("batch"), model: replicated, seq: partial("max") })).toBe(
      "{ data: split(batch), model: replicated, seq: partial(max) }",
    );
  });
});
