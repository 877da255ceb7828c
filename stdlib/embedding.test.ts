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

describe("embed and unembed over any ids dims", () => {
  test("embed gives the ids' dims then d_model; unembed replaces d_model by vocab in place", () => {
    const E = dims({ batch: 1, dec_seq: 2, vocab: 3, d_model: 2 });
    const small = tensor(E, "vocab d_model", [1, 2, 3, 4, 5, 6]);
    const x = embed(E, tensor(E, "dec_seq batch", [2, 0]), { table: small });
    expectTensor(x, "dec_seq batch d_model", [5, 6, 1, 2], 0);
    const logits = unembed(x, { w: tensor(E, "d_model vocab", [1, 0, 0, 0, 1, 0]) });
    expectTensor(logits, "dec_seq batch vocab", [5, 6, 0, 1, 2, 0], 0);
  });
});
