import { describe, expect, test } from "vitest";
import { expectFinite } from "../../stdlib/expectTensor.ts";
import { makeMlpInputs } from "./inputs.ts";
import { mlp2d, mlpData, mlpMegatron, mlpModel } from "./mlp.ts";

describe("examples/mlp", () => {
  const { x, params } = makeMlpInputs(0);
  const reference = mlpModel(x, params);

  test.each([
    ["mlpData", mlpData],
    ["mlpMegatron", mlpMegatron],
    ["mlp2d", mlp2d],
  ])("%s runs eagerly: finite, dims batch seq d_model, same as the model", (_name, run) => {
    const y = run(x, params);
    expect(y.dims).toEqual([{ name: "batch", size: 8 }, { name: "seq", size: 4 }, { name: "d_model", size: 16 }]);
    expectFinite(y);
    expect(Array.from(y.data)).toEqual(Array.from(reference.data));
  });

  test("inputs are seeded: same seed, same tensors; another seed, others", () => {
    expect(Array.from(makeMlpInputs(0).params.up.w.data)).toEqual(Array.from(params.up.w.data));
    expect(Array.from(makeMlpInputs(1).x.data)).not.toEqual(Array.from(x.data));
  });
});
