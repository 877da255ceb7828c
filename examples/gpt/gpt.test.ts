import { describe, expect, test } from "vitest";
import { tensor } from "meshtype";
import { expectFinite } from "../../stdlib/expectTensor.ts";
import { D, gpt, gpt2d, gptData, gptMegatron, LAYERS } from "./gpt.ts";
import { makeGptInputs } from "./inputs.ts";

describe("examples/gpt", () => {
  const { ids, params } = makeGptInputs(0);
  const reference = gpt(ids, params);

  test("token ids are integers in [0, vocab)", () => {
    for (const id of ids.data) {
      expect(Number.isInteger(id)).toBe(true);
      expect(id).toBeGreaterThanOrEqual(0);
      expect(id).toBeLessThan(D.sizes.vocab);
    }
    expect(params.layers).toHaveLength(LAYERS);
  });

  test.each([
    ["gptData", gptData],
    ["gptMegatron", gptMegatron],
    ["gpt2d", gpt2d],
  ])("%s runs eagerly: finite logits over batch seq vocab, same as the model", (_name, run) => {
    const logits = run(ids, params);
    expect(logits.dims).toEqual([{ name: "batch", size: 4 }, { name: "seq", size: 8 }, { name: "vocab", size: 32 }]);
    expectFinite(logits);
    expect(Array.from(logits.data)).toEqual(Array.from(reference.data));
  });

  test("the model is causal: changing the last token leaves earlier logits alone", () => {
    const changed = Float32Array.from(ids.data);
    const last = D.sizes.seq - 1;
    changed[last] = (changed[last] + 1) % D.sizes.vocab; // batch row 0
    const after = gpt(tensor(D, "batch seq", changed), params);
    const earlier = last * D.sizes.vocab;
    expect(Array.from(after.data.slice(0, earlier))).toEqual(Array.from(reference.data.slice(0, earlier)));
    expect(Array.from(after.data.slice(earlier, earlier + D.sizes.vocab))).not.toEqual(
      Array.from(reference.data.slice(earlier, earlier + D.sizes.vocab)),
    );
  });
});
