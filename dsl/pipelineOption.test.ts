/**
 * The runtime check of `program(model, { ..., pipeline })` for calls the
 * types did not see: the same messages as the editor's.
 */
import { describe, expect, test } from "vitest";
import { dims } from "./dims.ts";
import { layout } from "./layout.ts";
import { mesh } from "./mesh.ts";
import { checkPipelineOption, type PipelineOption } from "./pipelineOption.ts";

const D = dims({ batch: 8, d_model: 4 });
const M = mesh({ pipe: 2, data: 2 });
const L = layout(M, D, "batch:data");
const check = (option: object): unknown => checkPipelineOption(option as PipelineOption, L);

describe("checkPipelineOption", () => {
  test("a good option comes back checked", () => {
    expect(check({ axis: "pipe", microbatches: 4, schedule: "1f1b", stages: [1, 0] })).toEqual({ axis: "pipe", microbatches: 4, schedule: "1f1b", stages: [1, 0] });
  });
  test.each([
    [{ axis: "pip", microbatches: 4, schedule: "1f1b" }, 'pipeline axis "pip" is not an axis of the mesh'],
    [{ axis: "data", microbatches: 4, schedule: "1f1b" }, 'pipeline axis "data" is also used by the layout "batch:data" (the rule for "batch")'],
    [{ axis: "pipe", microbatches: 3, schedule: "1f1b" }, 'microbatches 3 does not divide the batch (dim "batch" of size 8)'],
    [{ axis: "pipe", microbatches: 0, schedule: "1f1b" }, "microbatches 0 is not a positive whole number"],
    [{ axis: "pipe", microbatches: 2, schedule: "zigzag" }, 'schedule "zigzag" is not a schedule meshtype runs'],
    [{ axis: "pipe", microbatches: 2, schedule: "gpipe", stages: [1, 1, 1] }, "stages [1, 1, 1] has 3 entries, but the pipeline axis has 2 devices"],
    [{ axis: "pipe", microbatches: 2, schedule: "gpipe", stages: [1, -1] }, "has -1, which is not a count of layers"],
  ])("%o: %s", (option, message) => {
    expect(() => check(option)).toThrow(message);
  });
});
