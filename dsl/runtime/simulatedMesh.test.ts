/**
 * What a run does when devices disagree, skip a collective or throw: a named
 * error, quickly, and never a hang (each test has a 2 s timeout).
 */
import { describe, expect, it } from "vitest";
import { MeshtypeError } from "../errors.ts";
import { Mesh } from "../mesh.ts";
import { Tensor } from "../tensor.ts";
import type { DeviceContext } from "./deviceContext.ts";
import { SimulatedMesh } from "./simulatedMesh.ts";

const QUICK = 2000;
const vector = (size: number, fill = 1, label = "h") => new Tensor<"a">([{ name: "a", size }], new Float32Array(size).fill(fill), label);
const pair = new SimulatedMesh(new Mesh({ x: 2 }));
const square = new SimulatedMesh(new Mesh({ x: 2, y: 2 }));

async function failure(sim: SimulatedMesh, step: (ctx: DeviceContext, h: Tensor<"a">) => Promise<unknown>, size = (_: number) => 4) {
  const error = await sim.run(step, (device) => [vector(size(device), device)] as const).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof Error)) return expect.fail("the run should have rejected");
  return error;
}

describe("SimulatedMesh.run", () => {
  it("resolves to per-device results indexed by device id", async () => {
    const results = await square.run(async (ctx, h: Tensor<"a">) => ({ device: ctx.device, coords: ctx.coords, first: h.data[0] }), (device) => [vector(1, device * 10)] as const);
    expect(results).toEqual([
      { device: 0, coords: { x: 0, y: 0 }, first: 0 },
      { device: 1, coords: { x: 0, y: 1 }, first: 10 },
      { device: 2, coords: { x: 1, y: 0 }, first: 20 },
      { device: 3, coords: { x: 1, y: 1 }, first: 30 },
    ]);
  });

  it("matches collectives by step per axis, so collectives over different axes interleave", async () => {
    const results = await square.run(async (ctx, h: Tensor<"a">) => {
      const overX = await ctx.allReduce(h, "x", "sum");
      return ctx.allReduce(overX, "y", "sum");
    }, (device) => [vector(2, device)] as const);
    expect(results.map((result) => [...result.data])).toEqual(Array(4).fill([6, 6]));
  });

  it("all-reduces over several axes in one call: the group of the devices that differ only on them, counted once under its name", async () => {
    const cube = new SimulatedMesh(new Mesh({ x: 2, y: 2, z: 2 }));
    const results = await cube.run((ctx, h: Tensor<"a">) => ctx.allReduce(h, ["x", "z"], "sum"), (device) => [vector(3, device)] as const);
    // devices y=0: 0, 1, 4, 5 (sum 10); y=1: 2, 3, 6, 7 (sum 18)
    expect(results.map((result) => result.data[0])).toEqual([10, 10, 18, 18, 10, 10, 18, 18]);
    const [entry] = cube.stats.entries();
    expect([entry.kind, entry.axis, entry.calls, entry.payloadBytes]).toEqual(["allReduce", "(x, z)", 8, 8 * 12]);
    // the ring over 4 devices: 2 (4 - 1) / 4 of the input per device
    expect(entry.wireBytes).toBeCloseTo(8 * 12 * 1.5, 6);
    const error = await failure(square, (ctx, h) => (ctx.device === 0 ? ctx.allReduce(h, ["x", "y"], "sum") : ctx.allReduce(h, "x", "sum")));
    expect((error as MeshtypeError).code).toBe("collective-deadlock");
    expect(error.message).toContain('allReduce(tensor "h" [a=4], axes (x, y), sum)');
    await expect(square.run((ctx, h: Tensor<"a">) => ctx.allReduce(h, ["x", "w"], "sum"), () => [vector(1)] as const)).rejects.toThrow(/no axis "w"|axis "w"/);
    await expect(square.run((ctx, h: Tensor<"a">) => ctx.allReduce(h, [], "sum"), () => [vector(1)] as const)).rejects.toMatchObject({ code: "collective-axes" });
  });
});

describe("mismatched collectives", () => {
  it("names both devices, their coordinates and calls with shapes (different kinds)", async () => {
    const error = await failure(pair, (ctx, h) => (ctx.device === 0 ? ctx.allGather(h, "x", "a") : ctx.allReduce(h, "x", "sum")));
    expect(error).toBeInstanceOf(MeshtypeError);
    expect((error as MeshtypeError).code).toBe("collective-mismatch");
    expect(error.message).toContain(`device 0 (x=0) called allGather(tensor "h" [a=4], axis "x", dim "a")`);
    expect(error.message).toContain(`device 1 (x=1) called allReduce(tensor "h" [a=4], axis "x", sum)`);
  }, QUICK);

  it("catches different reduce ops", async () => {
    const error = await failure(pair, (ctx, h) => ctx.allReduce(h, "x", ctx.device === 0 ? "sum" : "max"));
    expect((error as MeshtypeError).code).toBe("collective-mismatch");
    expect(error.message).toMatch(/axis "x", sum\).*axis "x", max\)/);
  }, QUICK);

  it("catches different local shapes (unequal shards)", async () => {
    const error = await failure(pair, (ctx, h) => ctx.allGather(h, "x", "a"), (device) => 4 + device);
    expect((error as MeshtypeError).code).toBe("collective-mismatch");
    expect(error.message).toContain("[a=4]");
    expect(error.message).toContain("[a=5]");
  }, QUICK);

  it("catches different attributes (permute shifts) in a 2x2 group", async () => {
    const error = await failure(square, (ctx, h) => ctx.collectivePermute(h, "y", ctx.coords.y === 0 ? 1 : -1));
    expect((error as MeshtypeError).code).toBe("collective-mismatch");
    expect(error.message).toMatch(/device \d \(x=\d, y=0\) called collectivePermute.*shift 1/);
  }, QUICK);
});

describe("deadlock", () => {
  it("one device skips a collective its peer waits in: names who waits and who never came", async () => {
    const error = await failure(pair, async (ctx, h) => (ctx.device === 1 ? h : ctx.allReduce(h, "x", "sum")));
    expect((error as MeshtypeError).code).toBe("collective-deadlock");
    expect(error.message).toContain(`device 0 (x=0) waits in allReduce(tensor "h" [a=4], axis "x", sum)`);
    expect(error.message).toContain(`device 1 (x=1) never came: its program finished after 0 collective(s) over "x"`);
  }, QUICK);

  it("a cycle across axes: every device waits for one that waits elsewhere", async () => {
    // devices 0 and 3 go over x first, 1 and 2 over y first: 0 -> 2 -> 3 -> 1 -> 0.
    const error = await failure(square, async (ctx, h) => {
      const [first, second] = ctx.device === 0 || ctx.device === 3 ? ["x", "y"] : ["y", "x"];
      return ctx.allReduce(await ctx.allReduce(h, first, "sum"), second, "sum");
    });
    expect((error as MeshtypeError).code).toBe("collective-deadlock");
    expect(error.message).toContain(`device 2 (x=1, y=0) never came: it waits in allReduce(tensor "h" [a=4], axis "y", sum)`);
    expect(error.message.split("\n").filter((line) => line.startsWith("  - "))).toHaveLength(4);
  }, QUICK);

  it("a device that waits on its own timer is running, not deadlocked", async () => {
    const results = await pair.run(async (ctx, h: Tensor<"a">) => {
      if (ctx.device === 1) await new Promise((resolve) => setTimeout(resolve, 20));
      return ctx.allReduce(h, "x", "sum");
    }, (device) => [vector(1, device + 1)] as const);
    expect(results.map((result) => result.data[0])).toEqual([3, 3]);
  }, QUICK);
});

describe("a device that throws", () => {
  it("rejects the run with that error, prefixed with the device, and releases the waiting peers", async () => {
    class ModelBug extends Error {}
    const error = await failure(square, async (ctx, h) => {
      const reduced = await ctx.allReduce(h, "y", "sum");
      if (ctx.device === 3) throw new ModelBug("boom");
      return ctx.allReduce(reduced, "x", "sum");
    });
    expect(error).toBeInstanceOf(ModelBug);
    expect(error.message).toBe("device 3 (x=1, y=1): boom");
  }, QUICK);

  it("wraps a thrown non-Error value", async () => {
    const error = await failure(pair, async (ctx, h) => {
      if (ctx.device === 0) throw "plain string"; // eslint-disable-line no-throw-literal
      return ctx.allReduce(h, "x", "sum");
    });
    expect((error as MeshtypeError).code).toBe("device-threw");
    expect(error.message).toBe("device 0 (x=0): the device program threw plain string.");
  }, QUICK);

  it("a collective that cannot chunk its input names the tensor, dim, axis and sizes", async () => {
    const error = await failure(square, (ctx, h) => ctx.reduceScatter(h, "y", "a"), () => 3);
    expect((error as MeshtypeError).code).toBe("indivisible-chunk");
    expect(error.message).toMatch(/^device 0 \(x=0, y=0\): reduceScatter over mesh axis "y" \(2 devices\): dim "a" of tensor "h" \[a=3\] has size 3/);
    expect(error.message).toContain("multiple of 2");
  }, QUICK);

  it("an unknown axis is named", async () => {
    const error = await failure(pair, (ctx, h) => ctx.allReduce(h, "model", "sum"));
    expect(error.message).toContain(`Unknown mesh axis "model"`);
  }, QUICK);

  it("leaves the mesh usable for the next run", async () => {
    await failure(pair, async (ctx, h) => (ctx.device === 1 ? h : ctx.allReduce(h, "x", "sum")));
    const results = await pair.run(async (ctx, h: Tensor<"a">) => ctx.allReduce(h, "x", "sum"), () => [vector(1, 2)] as const);
    expect(results.map((result) => result.data[0])).toEqual([4, 4]);
  }, QUICK);
});

describe("a device that does not await its collective", () => {
  it("stays finished once its collective completes, so a later deadlock is still found", async () => {
    const error = await failure(pair, async (ctx, h) => {
      if (ctx.device === 0) {
        void ctx.allReduce(h, "x", "sum").catch(() => undefined);
        return h;
      }
      await new Promise((resolve) => setTimeout(resolve, 10)); // arrive after device 0 has returned
      await ctx.allReduce(h, "x", "sum");
      return ctx.allGather(h, "x", "a");
    });
    expect((error as MeshtypeError).code).toBe("collective-deadlock");
    expect(error.message).toContain(`device 0 (x=0) never came: its program finished after 1 collective(s) over "x"`);
  }, QUICK);
});
