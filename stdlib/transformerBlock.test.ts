import { describe, expect, test } from "vitest";
import { dims, randomNormal, tensor, zeros } from "meshtype";
import { expectFinite, expectTensor } from "./expectTensor.ts";
import { initTransformerBlockParams, transformerBlock, type TransformerBlockParams } from "./transformerBlock.ts";

const D = dims({ batch: 2, seq: 4, kv_seq: 4, d_model: 8, heads: 2, d_head: 4, d_ff: 16 });
const params = initTransformerBlockParams(D, 5, "block");
const x = randomNormal(D, "batch seq d_model", { seed: 5, name: "x" });

describe("transformerBlock", () => {
  test("is the identity when both sublayers output zeros (the residuals carry x through)", () => {
    const silent: TransformerBlockParams = {
      ...params,
      attention: { ...params.attention, wo: zeros(D, "heads d_head d_model") },
      mlp: { up: params.mlp.up, down: { w: zeros(D, "d_ff d_model"), b: zeros(D, "d_model") } },
    };
    expectTensor(transformerBlock(D, x, silent), "batch seq d_model", Array.from(x.data), 0);
  });

  test("keeps dims, gives finite values and changes x", () => {
    const y = transformerBlock(D, x, params);
    expect(y.names).toEqual(["batch", "seq", "d_model"]);
    expectFinite(y);
    expect(Array.from(y.data)).not.toEqual(Array.from(x.data));
  });

  test("is causal: changing the last token changes no earlier position", () => {
    const changed = Float32Array.from(x.data);
    for (let feature = 0; feature < 8; feature++) changed[3 * 8 + feature] -= 3; // row 0, seq 3
    const before = transformerBlock(D, x, params);
    const after = transformerBlock(D, tensor(D, "batch seq d_model", changed), params);
    expect(Array.from(after.data.slice(0, 3 * 8))).toEqual(Array.from(before.data.slice(0, 3 * 8)));
  });
});
