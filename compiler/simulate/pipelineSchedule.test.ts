import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cluster } from "../../dsl/cluster.ts";
import { pipelineLinkPlacement, pipelineLinkSeconds, pipelineTaskKinds, simulatePipeline, stageOrder, type PipelineScheduleKind, type PipelineSpec } from "./pipelineSchedule.ts";

const schedules: readonly PipelineScheduleKind[] = ["gpipe", "1f1b"];

/** S equal stages, free transfers. */
function equalStages(schedule: PipelineScheduleKind, stages: number, microbatches: number, forward = 1, backward = 2, transfer = 0): PipelineSpec {
  return {
    schedule, microbatches,
    stages: Array.from({ length: stages }, () => ({ forwardSeconds: forward, backwardSeconds: backward, activationBytes: 100, staticBytes: 1000 })),
    forwardTransferSeconds: Array.from({ length: stages - 1 }, () => transfer),
  };
}

describe("pipeline schedule", () => {
  it("orders 1F1B as warm-up forwards, one forward one backward, then the remaining backwards", () => {
    // 4 stages, 6 micro-batches: stage 0 warms up with 3 forwards; the last stage alternates from the start
    expect(stageOrder("1f1b", 4, 6, 0)).toEqual([0, 1, 2, 3, -1, 4, -2, 5, -3, -4, -5, -6]);
    expect(stageOrder("1f1b", 4, 6, 3)).toEqual([0, -1, 1, -2, 2, -3, 3, -4, 4, -5, 5, -6]);
    expect(stageOrder("gpipe", 2, 3, 0)).toEqual([0, 1, 2, -1, -2, -3]);
  });

  it("has the bubble (S-1)/(M+S-1) for equal stages under both schedules", () => {
    for (const schedule of schedules) {
      for (const [stages, microbatches] of [[2, 4], [4, 8], [4, 1], [8, 3], [1, 5]]) {
        const result = simulatePipeline(equalStages(schedule, stages, microbatches));
        expect(result.stepSeconds).toBeCloseTo((microbatches + stages - 1) * 3, 9);
        for (const stage of result.stages) {
          expect(stage.busySeconds).toBeCloseTo(microbatches * 3, 9);
          expect(stage.bubbleFraction).toBeCloseTo((stages - 1) / (microbatches + stages - 1), 9);
        }
      }
    }
  });

  it("holds all micro-batches' activations under GPipe and at most S - s under 1F1B", () => {
    const stages = 4;
    const microbatches = 8;
    const gpipe = simulatePipeline(equalStages("gpipe", stages, microbatches));
    const oneF = simulatePipeline(equalStages("1f1b", stages, microbatches));
    gpipe.stages.forEach((stage) => expect(stage.peakInFlight).toBe(microbatches));
    oneF.stages.forEach((stage, index) => expect(stage.peakInFlight).toBe(stages - index));
    expect(oneF.peakBytes).toBe(1000 + stages * 100);
    expect(gpipe.peakBytes).toBe(1000 + microbatches * 100);
    expect(oneF.peakBytes).toBeLessThan(gpipe.peakBytes);
  });

  it("delays the pipeline by the transfers: each boundary adds its forward and backward times to the critical path", () => {
    const stages = 3;
    const microbatches = 4;
    const transfer = 0.25;
    for (const schedule of schedules) {
      const result = simulatePipeline(equalStages(schedule, stages, microbatches, 1, 2, transfer));
      // first micro-batch's forward reaches the last stage after (S-1)(tf + t); its gradient comes back in (S-1)(tb + t)
      expect(result.stepSeconds).toBeGreaterThanOrEqual((microbatches + stages - 1) * 3 + 2 * (stages - 1) * transfer - 1e-9);
    }
  });

  it("issues every task after what it depends on, and no stage runs two tasks at once (random pipelines)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...schedules), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 9 }),
        fc.array(fc.record({ f: fc.double({ min: 0.1, max: 2, noNaN: true }), b: fc.double({ min: 0.1, max: 4, noNaN: true }), t: fc.double({ min: 0, max: 1, noNaN: true }) }), { minLength: 6, maxLength: 6 }),
        (schedule, stages, microbatches, costs) => {
          const spec: PipelineSpec = {
            schedule, microbatches,
            stages: costs.slice(0, stages).map((cost) => ({ forwardSeconds: cost.f, backwardSeconds: cost.b, activationBytes: 1, staticBytes: 0, stepSeconds: cost.t })),
            forwardTransferSeconds: costs.slice(0, stages - 1).map((cost) => cost.t),
          };
          const { graph, schedule: timing, stages: reports } = simulatePipeline(spec);
          // every forward and backward of every micro-batch on every stage, once
          expect(graph.size).toBe(stages * microbatches * 2 + 2 * (stages - 1) * microbatches + costs.slice(0, stages).filter((cost) => cost.t > 0).length);
          for (let task = 0; task < graph.size; task++) {
            for (let at = graph.depStart[task]; at < graph.depStart[task + 1]; at++) {
              expect(graph.deps[at]).toBeLessThan(task);
              expect(timing.start[task]).toBeGreaterThanOrEqual(timing.end[graph.deps[at]] - 1e-12);
            }
          }
          // a stream runs one task at a time
          const lastEnd = new Map<number, number>();
          for (let task = 0; task < graph.size; task++) {
            expect(timing.start[task]).toBeGreaterThanOrEqual((lastEnd.get(graph.stream[task]) ?? 0) - 1e-12);
            lastEnd.set(graph.stream[task], timing.end[task]);
          }
          // a backward of micro-batch m on stage s ends after its forward on the last stage
          const forward = pipelineTaskKinds.indexOf("forward");
          const backward = pipelineTaskKinds.indexOf("backward");
          const endOf = (kind: number, stage: number, m: number): number => {
            for (let task = 0; task < graph.size; task++) if (graph.kind[task] === kind && graph.stage[task] === stage && graph.microbatch[task] === m) return timing.end[task];
            throw new Error("missing task");
          };
          for (let m = 0; m < microbatches; m++) expect(endOf(backward, 0, m)).toBeGreaterThan(endOf(forward, stages - 1, m));
          reports.forEach((report, index) => expect(report.peakInFlight).toBe(schedule === "gpipe" ? microbatches : Math.min(microbatches, stages - index)));
        },
      ),
      { numRuns: 60 },
    );
  });

  it("prices a transfer between nodes at one NIC's share and inside a node over NVLink", () => {
    const a100 = cluster("a100", { nodes: 4 });
    // stages of 8 devices: every boundary crosses nodes; stages of 2: boundaries 0..2 inside node 0, 3 crosses
    expect(pipelineLinkPlacement(0, 8, 8).nodes).toBe(2);
    expect(pipelineLinkPlacement(0, 2, 8).nodes).toBe(1);
    expect(pipelineLinkPlacement(3, 2, 8).nodes).toBe(2);
    const bytes = 2 * 2048 * 8192 * 2; // a micro-batch of 2 x 2048 tokens of d_model 8192 in bf16
    const across = pipelineLinkSeconds(bytes, 0, 8, a100);
    const inside = pipelineLinkSeconds(bytes, 0, 2, a100);
    // one 200 Gb/s HDR NIC at NCCL's 96% against 208 GB/s NVLink bus bandwidth
    expect(across).toBeCloseTo(bytes / 24e9 + 8.4e-6 + 14e-6, 6);
    expect(inside).toBeLessThan(across / 5);
  });

  it("rejects a pipeline without stages or micro-batches", () => {
    expect(() => simulatePipeline({ ...equalStages("1f1b", 2, 2), microbatches: 0 })).toThrow(/micro-batches/);
    expect(() => simulatePipeline({ ...equalStages("1f1b", 3, 2), forwardTransferSeconds: [0] })).toThrow(/transfer times/);
  });
});
