import { describe, expect, it } from "vitest";
import { MEGATRON_SEQ, MEGATRON_VOCAB, megatronPipelinedRuns } from "./megatronTable1.ts";

/** Table 1's aggregate petaFLOP/s column, for the same rows. */
const aggregatePetaflops = [70.8, 143.8, 227.1, 297.4, 410.2, 502.0];

describe("Megatron-LM's Table 1 as transcribed", () => {
  it("each row's parameters follow from its layers and hidden size (the paper's section 5.1 formula P = 12 l h^2 (1 + 13/12h + (V + s)/12lh))", () => {
    for (const run of megatronPipelinedRuns) {
      const { layers: l, hidden: h } = run;
      const parameters = 12 * l * h * h * (1 + 13 / (12 * h) + (MEGATRON_VOCAB + MEGATRON_SEQ) / (12 * l * h));
      expect(Math.abs(parameters / 1e9 / run.billions - 1), `${run.billions}B`).toBeLessThan(0.01);
    }
  });

  it("each row's per-GPU throughput times its GPUs is its aggregate; the GPUs are tensor x pipeline x a whole data-parallel count dividing the batch", () => {
    megatronPipelinedRuns.forEach((run, index) => {
      expect(Math.abs((run.teraflopsPerGpu * run.gpus) / 1e3 / aggregatePetaflops[index] - 1), `${run.billions}B`).toBeLessThan(0.015);
      const data = run.gpus / (run.tensor * run.pipeline);
      expect(Number.isInteger(data) && run.batch % data === 0 && run.layers % run.pipeline === 0, `${run.billions}B`).toBe(true);
    });
  });
});
