import { describe, expect, it } from "vitest";
import { goalLines, type Row } from "../torch.ts";
import { median } from "./measure.ts";

function row(program: string, processes: number, size: string, ms: number, referenceMs: number): Row {
  return { workload: "train step", size, program, mesh: "", processes, ms, rounds: [ms], worst: 0, referenceMs, baseline: "" };
}

describe("the torch bench's figures", () => {
  it("takes the median of the rounds (the middle one, or the mean of the middle two)", () => {
    expect(median([9, 1, 5])).toBe(5);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(/no values/);
  });

  it("reads the goal from the ratios: within 5% only at or below 1.05x, per size and process count", () => {
    const [example, wide] = goalLines([
      row("gptTrainSingle", 1, "example", 10.5, 10),
      row("gptTrainData2", 2, "example", 10.6, 10),
      row("gptTrainMegatron2", 2, "example", 1, 10),
      row("gptTrainData", 4, "example", 9, 10),
      row("gptTrainSingle", 1, "wide", 20, 10),
    ]);
    expect(example).toBe(
      "Training step, example size, generated data-parallel step / hand-written (one process, DDP on 2 and 4): " +
        "1 process 1.05x (within 5%); 2 processes 1.06x (not within 5%); 4 processes 0.90x (within 5%).",
    );
    expect(wide).toMatch(/wide size.*: 1 process 2\.00x \(not within 5%\)\.$/);
  });
});
