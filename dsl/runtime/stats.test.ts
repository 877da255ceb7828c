/**
 * Byte counters equal the ring-model formulas, computed here by hand for a
 * 2x4 mesh and an input of 128 float32 elements (512 bytes) per device.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { Mesh } from "../mesh.ts";
import { Tensor } from "../tensor.ts";
import type { DeviceContext } from "./deviceContext.ts";
import { SimulatedMesh } from "./simulatedMesh.ts";

const mesh = new Mesh({ data: 2, model: 4 });
const input = (device: number) =>
  new Tensor<"p q">([{ name: "p", size: 8 }, { name: "q", size: 16 }], new Float32Array(128).fill(device), "x");
const sim = new SimulatedMesh(mesh);
const run = (step: (ctx: DeviceContext, x: Tensor<"p q">) => Promise<unknown> | unknown) =>
  sim.run(async (ctx, x: Tensor<"p q">) => step(ctx, x), (device) => [input(device)] as const);

describe("SimulatedMesh byte counters (payload = 512 bytes per device, 8 devices)", () => {
  beforeEach(() => sim.resetStats());

  it("allReduce over model (n=4): wire 2 * 3/4 * 512 = 768 per device", async () => {
    await run((ctx, x) => ctx.allReduce(x, "model", "sum"));
    expect(sim.stats.get("allReduce", "model")).toEqual({ calls: 8, payloadBytes: 8 * 512, wireBytes: 8 * 768 });
    expect(sim.stats.perDevice("allReduce", "model")[5]).toEqual({ calls: 1, payloadBytes: 512, wireBytes: 768 });
  });

  it("allReduce over data (n=2): wire 2 * 1/2 * 512 = 512 per device, counted under its own axis", async () => {
    await run((ctx, x) => ctx.allReduce(x, "data", "max"));
    expect(sim.stats.get("allReduce", "data")).toEqual({ calls: 8, payloadBytes: 4096, wireBytes: 4096 });
    expect(sim.stats.get("allReduce", "model")).toEqual({ calls: 0, payloadBytes: 0, wireBytes: 0 });
  });

  it("allGather over model: wire 3/4 of the 2048-byte output = 1536 per device", async () => {
    await run((ctx, x) => ctx.allGather(x, "model", "p"));
    expect(sim.stats.get("allGather", "model")).toEqual({ calls: 8, payloadBytes: 4096, wireBytes: 8 * 1536 });
  });

  it("reduceScatter over model: wire 3/4 of the 512-byte input = 384 per device", async () => {
    await run((ctx, x) => ctx.reduceScatter(x, "model", "q"));
    expect(sim.stats.get("reduceScatter", "model")).toEqual({ calls: 8, payloadBytes: 4096, wireBytes: 8 * 384 });
  });

  it("allToAll over data: wire 1/2 of the input = 256 per device", async () => {
    await run((ctx, x) => ctx.allToAll(x, "data", "q", "p"));
    expect(sim.stats.get("allToAll", "data")).toEqual({ calls: 8, payloadBytes: 4096, wireBytes: 8 * 256 });
  });

  it("collectivePermute +1 over model: only coordinates 0..2 send (6 devices x 512)", async () => {
    await run((ctx, x) => ctx.collectivePermute(x, "model", 1));
    expect(sim.stats.get("collectivePermute", "model")).toEqual({ calls: 8, payloadBytes: 4096, wireBytes: 6 * 512 });
    const wire = sim.stats.perDevice("collectivePermute").map((count) => count.wireBytes);
    expect(wire).toEqual([512, 512, 512, 0, 512, 512, 512, 0]);
  });

  it("collectivePermute by 0 sends nothing over the wire", async () => {
    await run((ctx, x) => ctx.collectivePermute(x, "model", 0));
    expect(sim.stats.get("collectivePermute").wireBytes).toBe(0);
  });

  it("localSlice counts calls but no bytes", async () => {
    await run((ctx, x) => ctx.localSlice(x, "model", "p"));
    expect(sim.stats.get("localSlice", "model")).toEqual({ calls: 8, payloadBytes: 0, wireBytes: 0 });
  });

  it("an axis of size 1 moves no bytes over the wire", async () => {
    const solo = new SimulatedMesh(new Mesh({ solo: 1 }));
    await solo.run(async (ctx, x: Tensor<"p q">) => ctx.allReduce(x, "solo", "sum"), () => [input(0)] as const);
    expect(solo.stats.get("allReduce", "solo")).toEqual({ calls: 1, payloadBytes: 512, wireBytes: 0 });
  });

  it("accumulates over collectives and runs, lists entries, and resets", async () => {
    await run(async (ctx, x) => ctx.allGather(await ctx.allReduce(x, "model", "sum"), "data", "p"));
    await run((ctx, x) => ctx.allReduce(x, "model", "sum"));
    expect(sim.stats.get("allReduce", "model").wireBytes).toBe(2 * 8 * 768);
    // the all-gather's input is the 512-byte reduced tensor; its output is 1024 bytes, half of which crosses the wire
    expect(sim.stats.get("allGather", "data")).toEqual({ calls: 8, payloadBytes: 4096, wireBytes: 8 * 512 });
    expect(sim.stats.get().wireBytes).toBe(2 * 8 * 768 + 8 * 512);
    expect(sim.stats.entries().map((entry) => `${entry.kind}@${entry.axis}`).sort()).toEqual(["allGather@data", "allReduce@model"]);
    sim.stats.reset();
    expect(sim.stats.get()).toEqual({ calls: 0, payloadBytes: 0, wireBytes: 0 });
    expect(sim.stats.entries()).toEqual([]);
  });
});
