import { describe, expect, test } from "vitest";
import { dims, grad, mul, sum, tensor, type Tensor } from "meshtype";
import { expectTensor } from "./expectTensor.ts";
import { prependToken } from "./tokens.ts";

describe("prependToken (a class token)", () => {
  const D = dims({ batch: 2, seq: 2, d_model: 3 });
  const x = tensor(D, "batch seq d_model", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  const token = tensor(D, "d_model", [-1, -2, -3]);

  test("puts the token first along the dim, for every batch row", () => {
    const y = prependToken(x, token, "seq");
    expect(y.dims.map((dim) => `${dim.name}=${dim.size}`)).toEqual(["batch=2", "seq=3", "d_model=3"]);
    expectTensor(y, "batch seq d_model", [-1, -2, -3, 1, 2, 3, 4, 5, 6, -1, -2, -3, 7, 8, 9, 10, 11, 12], 0);
  });

  test("the token's gradient sums the first position over the batch; x's keeps its own positions", () => {
    const weights = tensor(dims({ batch: 2, seq: 3, d_model: 3 }), "batch seq d_model", Array.from({ length: 18 }, (_, index) => index));
    const loss = (t: Tensor<"d_model">) => sum(mul(prependToken(x, t, "seq"), weights));
    expectTensor(grad(loss)(token), "d_model", [0 + 9, 1 + 10, 2 + 11], 1e-6);
  });
});
