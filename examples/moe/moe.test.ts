import { describe, expect, test } from "vitest";
import { sum } from "meshtype";
import { layerNorm, LAYER_NORM_EPSILON, top2Routing } from "meshtype/stdlib";
import { expectFinite } from "../../stdlib/expectTensor.ts";
import { makeMoeInputs } from "./inputs.ts";
import { D, moeData, moeExpertAxis, moeExpertParallel, moeLayer } from "./moe.ts";

describe("examples/moe", () => {
  const { x, params } = makeMoeInputs(0);
  const reference = moeLayer(x, params);

  test.each([
    ["moeData", moeData],
    ["moeExpertParallel", moeExpertParallel],
    ["moeExpertAxis", moeExpertAxis],
  ])("%s runs eagerly: finite, dims batch seq d_model, same as the data-parallel layer", (_name, run) => {
    const y = run(x, params);
    expect(y.dims).toEqual([{ name: "batch", size: 8 }, { name: "seq", size: 8 }, { name: "d_model", size: 16 }]);
    expectFinite(y);
    expect(Array.from(y.data)).toEqual(Array.from(reference.data));
  });

  test("the layer routes: every token has 1 or 2 slots (or 0 when dropped), no slot is used twice", () => {
    const routing = top2Routing(D, layerNorm(x, params.norm, LAYER_NORM_EPSILON), params.moe.router);
    for (const slots of sum(routing.dispatch, "experts capacity").data) expect([0, 1, 2]).toContain(slots);
    for (const users of sum(routing.dispatch, "seq").data) expect([0, 1]).toContain(users);
  });
});
