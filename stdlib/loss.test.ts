import { describe, expect, test } from "vitest";
import { dims, tensor } from "meshtype";
import { expectTensor } from "./expectTensor.ts";
import { softmaxCrossEntropy } from "./loss.ts";

const D = dims({ batch: 1, seq: 2, vocab: 3 });

/** log(sum(exp(row))) - row[label], by hand in float64. */
function crossEntropy(row: readonly number[], label: number): number {
  return Math.log(row.reduce((total, value) => total + Math.exp(value), 0)) - row[label];
}

describe("softmaxCrossEntropy", () => {
  test("is the mean over positions of logsumexp minus the label's logit", () => {
    const rows = [[1, 2, 3], [0, -1, 4]];
    const labels = [2, 0];
    const logits = tensor(D, "batch seq vocab", rows.flat());
    const expected = (crossEntropy(rows[0], labels[0]) + crossEntropy(rows[1], labels[1])) / 2;
    expectTensor(softmaxCrossEntropy(D, logits, tensor(D, "batch seq", labels)), "", [expected], 1e-6);
  });

  test("is log(vocab) for uniform logits, and about 0 for a confident right answer", () => {
    const uniform = softmaxCrossEntropy(D, tensor(D, "batch seq vocab", [5, 5, 5, 5, 5, 5]), tensor(D, "batch seq", [0, 1]));
    expectTensor(uniform, "", [Math.log(3)], 1e-6);
    const confident = softmaxCrossEntropy(D, tensor(D, "batch seq vocab", [40, 0, 0, 0, 0, 40]), tensor(D, "batch seq", [0, 2]));
    expect(confident.data[0]).toBeLessThan(1e-6);
  });

  test("stays finite for large logits (the maximum is subtracted first)", () => {
    const loss = softmaxCrossEntropy(D, tensor(D, "batch seq vocab", [1000, 0, 0, 0, 1000, 0]), tensor(D, "batch seq", [1, 1]));
    expectTensor(loss, "", [(1000 + 0) / 2], 1e-3);
  });
});

describe("softmaxCrossEntropy over other dims", () => {
  test("takes any batch dims, and a class dim named last (a classifier's classes)", () => {
    const C = dims({ batch: 2, classes: 3 });
    const rows = [[1, 2, 3], [0, -1, 4]];
    const loss = softmaxCrossEntropy(C, tensor(C, "batch classes", rows.flat()), tensor(C, "batch", [2, 0]), "classes");
    expectTensor(loss, "", [(crossEntropy(rows[0], 2) + crossEntropy(rows[1], 0)) / 2], 1e-6);
    const three = dims({ group: 1, batch: 2, vocab: 3 });
    const perGroup = softmaxCrossEntropy(three, tensor(three, "group batch vocab", rows.flat()), tensor(three, "group batch", [2, 0]));
    expectTensor(perGroup, "", [(crossEntropy(rows[0], 2) + crossEntropy(rows[1], 0)) / 2], 1e-6);
  });
});
