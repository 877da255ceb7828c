import { expect, test } from "vitest";
import { dims, tensor } from "meshtype";
import { exclusiveCumsumOverSeq } from "./cumsum.ts";
import { expectTensor } from "./expectTensor.ts";

test("exclusiveCumsumOverSeq sums the earlier positions of each row and expert", () => {
  const D = dims({ batch: 2, seq: 4, kv_seq: 4, experts: 2 });
  // [batch, seq, experts]: row 0 expert 0 is [1, 0, 1, 1], expert 1 is [0, 1, 0, 0]; row 1 is 2s and 3s
  const x = tensor(D, "batch seq experts", [1, 0, 0, 1, 1, 0, 1, 0, 2, 3, 2, 3, 2, 3, 2, 3]);
  const expected = [0, 0, 1, 0, 1, 1, 2, 1, 0, 0, 2, 3, 4, 6, 6, 9];
  expectTensor(exclusiveCumsumOverSeq(D, x), "batch seq experts", expected, 0);
  expect(x.names).toEqual(["batch", "seq", "experts"]);
});
