import { describe, expect, test } from "vitest";
import { dims, tensor } from "meshtype";
import { embed, initEmbeddingParams, initUnembeddingParams, unembed } from "./embedding.ts";
import { expectTensor } from "./expectTensor.ts";

const D = dims({ batch: 1, seq: 3, vocab: 4, d_model: 2 });
const table = tensor(D, "vocab d_model", [0, 1, 10, 11, 20, 21, 30, 31]);

describe("embed", () => {
  test("picks the table row of each id", () => {
    const ids = tensor(D, "batch seq", [2, 0, 3]);
    expectTensor(embed(D, ids, { table }), "batch seq d_model", [20, 21, 0, 1, 30, 31], 0);
  });
});

describe("unembed", () => {
  test("gives logits x · w over vocab", () => {
    const x = tensor(D, "batch seq d_model", [1, 0, 0, 1, 1, -1]);
    const w = tensor(D, "d_model vocab", [1, 2, 3, 4, 10, 20, 30, 40]);
    expectTensor(unembed(x, { w }), "batch seq vocab", [1, 2, 3, 4, 10, 20, 30, 40, -9, -18, -27, -36], 0);
  });
});

test("init gives distinct tables for distinct prefixes", () => {
  const a = initEmbeddingParams(D, 0, "a").table;
  const b = initEmbeddingParams(D, 0, "b").table;
  expect(Array.from(a.data)).not.toEqual(Array.from(b.data));
  expect(initUnembeddingParams(D, 0, "u").w.names).toEqual(["d_model", "vocab"]);
});
