import { describe, expect, it } from "vitest";
import type { PlanRow } from "./search.ts";
import { whyPlan } from "./whyPlan.ts";

const mesh = [{ name: "data", size: 8 }];
const yours: PlanRow = {
  kind: "yours", mesh, layout: "batch:data", stepSeconds: 0.074, computeSeconds: 0.042, exposedCommunicationSeconds: 0.0315,
  mfu: 0.003, peakMemoryBytes: 22.5e9, fits: false, communication: { allReduce: 4.3e9 },
};
const plan: PlanRow = {
  kind: "plan", mesh, layout: "d_ff:data", weightUpdateSharding: "data", stepSeconds: 0.0056, computeSeconds: 0.0055, exposedCommunicationSeconds: 6.5e-5,
  mfu: 0.026, peakMemoryBytes: 2.6e9, fits: true, communication: { allReduce: 2.1e6 },
};

describe("whyPlan", () => {
  it("says how much faster the plan is, where the time goes, the bytes, the memory against the limit, and the rules it adds and drops", () => {
    const lines = whyPlan(plan, yours, 16e9);
    expect(lines[0]).toBe("why the best plan: 5.60 ms per step against 74.00 ms for yours (13.21x faster); yours needs 22.50 GB per device, over the 16.00 GB there is");
    expect(lines[1]).toBe("  compute 5.50 ms against 42.00 ms; communication not hidden by compute 65.0 us against 31.50 ms");
    expect(lines[2]).toBe("  bytes moved per device: allReduce 2.10 MB (yours: allReduce 4.30 GB)");
    expect(lines[4]).toBe("  on the same mesh, it splits d_ff:data and drops batch:data; weight-update sharding over data (yours: off)");
  });

  it("an open layout's rules are compared without its auto; no memory remark when yours fits; the binding itself when it is the best", () => {
    const open = whyPlan({ ...plan, layout: "batch:data, d_ff:data" }, { ...yours, layout: "batch:data, auto", fits: true }, 80e9);
    expect(open[0]).not.toContain("over the");
    expect(open[4]).toMatch(/^ {2}on the same mesh, it splits d_ff:data;/);
    expect(whyPlan(yours, yours, 80e9)).toEqual(["your binding is the fastest found: 74.00 ms per step, 22.50 GB per device"]);
  });
});

describe("whyPlan of a pipelined plan", () => {
  it("names the stages, micro-batches, schedule and the bubble against the equal-stage formula", () => {
    const piped: PlanRow = {
      ...plan, mesh: [{ name: "pipe", size: 4 }, { name: "model", size: 8 }], layout: "heads:model, d_ff:model", weightUpdateSharding: undefined,
      pipeline: { axis: "pipe", microbatches: 16, schedule: "1f1b", stages: [4, 4, 4, 4], bubbleFraction: 0.246 },
    };
    const lines = whyPlan(piped, { ...yours, mesh: [{ name: "data", size: 4 }, { name: "model", size: 8 }] }, 80e9);
    expect(lines[4]).toMatch(/^ {2}on mesh pipe=4 model=8 \(yours: data=4 model=8\)/);
    expect(lines[5]).toBe("  it pipelines the 16 layers over pipe=4 (4/4/4/4 layers per stage, 16 micro-batches, 1f1b): only activations and their gradients cross between stages; the bubble idles 24.6% of the step (3/19 = 15.8% for equal stages and free transfers), counted above with the transfers and the update as not hidden by compute");
    expect(whyPlan(plan, yours, 16e9)).toHaveLength(5);
  });
});
