import { expect, test } from "vitest";
import { dims } from "../dims.ts";
import { add, mul } from "./binary.ts";
import { tensor } from "./create.ts";
import { MAX_LABEL_LENGTH, resultLabel } from "./dimLists.ts";

test("result labels name the op and its inputs", () => {
  expect(resultLabel("add", [{ label: "x" }, 2])).toBe("add(x, 2)");
  expect(resultLabel("add", [{ label: undefined }, 2])).toBeUndefined();
});

test("labels stay short when results are fed back again and again (a training loop)", () => {
  const D = dims({ x: 2 });
  let p = tensor(D, "x", [1, 2], { name: "p" });
  for (let step = 0; step < 100; step++) p = add(mul(p, 0.5), p);
  expect(p.label?.length).toBeLessThanOrEqual(MAX_LABEL_LENGTH);
  expect(p.label).toMatch(/^add\(/);
});
