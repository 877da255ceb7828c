/**
 * The GPipe and 1F1B schedules: every micro-batch's forward and backward once
 * per stage, forwards and backwards each in micro-batch order, and the
 * in-flight activations of each: GPipe all micro-batches, 1F1B at most the
 * stage depth (stages - stage).
 */
import { describe, expect, test } from "vitest";
import { peakInFlight, pipelineTasks } from "./pipelineSchedule.ts";

const text = (tasks: ReturnType<typeof pipelineTasks>): string => tasks.map((task) => `${task.phase[0]}${task.microbatch}`).join(" ");

describe("pipelineTasks", () => {
  test("1F1B on 4 stages, 6 micro-batches: warm-up forwards, then one forward one backward, then the rest", () => {
    expect(text(pipelineTasks("1f1b", 0, 4, 6, true))).toBe("f0 f1 f2 f3 b0 f4 b1 f5 b2 b3 b4 b5");
    expect(text(pipelineTasks("1f1b", 3, 4, 6, true))).toBe("f0 b0 f1 b1 f2 b2 f3 b3 f4 b4 f5 b5");
  });

  test("GPipe: every forward, then every backward", () => {
    expect(text(pipelineTasks("gpipe", 1, 4, 3, true))).toBe("f0 f1 f2 b0 b1 b2");
  });

  test("a forward-only program runs the forwards in order under either schedule", () => {
    expect(text(pipelineTasks("1f1b", 0, 4, 3, false))).toBe("f0 f1 f2");
    expect(text(pipelineTasks("gpipe", 2, 4, 3, false))).toBe("f0 f1 f2");
  });

  test.each([
    [4, 8],
    [2, 3],
    [4, 2],
  ])("%i stages, %i micro-batches: each phase once per micro-batch, in order; GPipe keeps all in flight, 1F1B at most stages - stage", (stages, microbatches) => {
    for (let stage = 0; stage < stages; stage++) {
      for (const schedule of ["gpipe", "1f1b"] as const) {
        const tasks = pipelineTasks(schedule, stage, stages, microbatches, true);
        for (const phase of ["forward", "backward"] as const) {
          expect(tasks.filter((task) => task.phase === phase).map((task) => task.microbatch)).toEqual(Array.from({ length: microbatches }, (_, index) => index));
        }
        for (const [index, task] of tasks.entries()) {
          if (task.phase === "backward") expect(tasks.slice(0, index).some((other) => other.phase === "forward" && other.microbatch === task.microbatch)).toBe(true);
        }
      }
      expect(peakInFlight(pipelineTasks("gpipe", stage, stages, microbatches, true))).toBe(microbatches);
      expect(peakInFlight(pipelineTasks("1f1b", stage, stages, microbatches, true))).toBe(Math.min(stages - stage, microbatches));
    }
  });
});
