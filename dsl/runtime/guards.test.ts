/**
 * Run-time guards of the simulated mesh and its primitives: an unknown
 * reduction is refused (it used to compute max), a device that awaits
 * something that never settles is reported instead of hanging the run, and
 * shard/gather refuse values that are not tensors.
 */
import { describe, expect, it } from "vitest";
import { MeshtypeError } from "../errors.ts";
import { Mesh } from "../mesh.ts";
import { Tensor } from "../tensor.ts";
import { reduceTensors } from "./chunk.ts";
import type { DeviceContext } from "./deviceContext.ts";
import { gatherTensor, shardTensor } from "./shard.ts";
import type { PartialReduce } from "./sharding.ts";
import { SimulatedMesh } from "./simulatedMesh.ts";

const vector = (values: number[]) => new Tensor<"a">([{ name: "a", size: values.length }], Float32Array.from(values), "h");

async function rejection(promise: Promise<unknown>): Promise<MeshtypeError> {
  const caught = await promise.then(() => undefined, (error: unknown) => error);
  if (!(caught instanceof MeshtypeError)) return expect.fail(`expected a MeshtypeError, got ${String(caught)}`);
  return caught;
}

describe("unknown reduce kinds", () => {
  const pair = new SimulatedMesh(new Mesh({ x: 2 }));
  it('allReduce with "prod" is refused, naming the call (it used to compute max)', async () => {
    const error = await rejection(pair.run((ctx, h: Tensor<"a">) => ctx.allReduce(h, "x", "prod" as PartialReduce), (device) => [vector([device + 2, 3])] as const));
    expect(error.code).toBe("collective-reduce");
    expect(error.message).toContain('allReduce over mesh axis "x" (2 devices) on tensor "h" [a=2] has reduce "prod", which a collective cannot do. Pass "sum" or "max"');
  });

  it("reduceScatter with an unknown reduce, and reduceTensors itself, are refused", async () => {
    const error = await rejection(pair.run((ctx, h: Tensor<"a">) => ctx.reduceScatter(h, "x", "a", "mean" as PartialReduce), () => [vector([1, 2])] as const));
    expect(error.code).toBe("collective-reduce");
    expect(() => reduceTensors([vector([1]), vector([2])], "min" as PartialReduce)).toThrow(/Cannot reduce with "min"/);
    expect(Array.from(reduceTensors([vector([1, 5]), vector([2, 3])], "max").data)).toEqual([2, 5]);
  });
});

describe("a device that neither finishes nor makes a collective", () => {
  const never = new Promise<never>(() => {});

  it("is reported after the bound, naming the device and its last collective, while the others wait", async () => {
    const sim = new SimulatedMesh(new Mesh({ x: 2 }), { stallTimeoutMs: 50 });
    const started = Date.now();
    const error = await rejection(sim.run(async (ctx: DeviceContext, h: Tensor<"a">) => {
      const once = await ctx.allReduce(h, "x", "sum");
      if (ctx.device === 1) await never;
      return ctx.allReduce(once, "x", "sum");
    }, () => [vector([1, 2])] as const));
    expect(error.code).toBe("device-stalled");
    expect(error.message).toContain("device 1 (x=1): its last collective was allReduce(tensor \"h\" [a=2], axis \"x\", sum) (collective #1 over \"x\")");
    expect(error.message).toContain("Waiting for it in collectives: device 0 (x=0).");
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("names a device that made no collective yet", async () => {
    const sim = new SimulatedMesh(new Mesh({ x: 2 }), { stallTimeoutMs: 30 });
    const error = await rejection(sim.run(async () => never, () => [] as const));
    expect(error.message).toMatch(/^Stalled: 2 devices have neither finished nor made a collective for 30 ms:/);
    expect(error.message).toContain("device 0 (x=0): it has made no collective yet");
  });

  it("a device that makes progress between timers is not stalled", async () => {
    const sim = new SimulatedMesh(new Mesh({ x: 2 }), { stallTimeoutMs: 200 });
    const results = await sim.run(async (ctx: DeviceContext, h: Tensor<"a">) => {
      let x = h;
      for (let step = 0; step < 5; step++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        x = await ctx.allReduce(x, "x", "max");
      }
      return x;
    }, (device) => [vector([device, 1])] as const);
    expect(Array.from(results[0].data)).toEqual([1, 1]);
  });

  it("rejects a bound that is not a positive number", () => {
    expect(() => new SimulatedMesh(new Mesh({ x: 2 }), { stallTimeoutMs: 0 })).toThrow(/stallTimeoutMs must be a positive number/);
  });
});

describe("shard and gather take tensors", () => {
  const mesh = new Mesh({ x: 2 });
  it("shardTensor of a number names what it got (was TypeError: dims is not iterable)", () => {
    expect(() => shardTensor(mesh, { x: { kind: "split", dim: "a" } }, 3 as unknown as Tensor<"a">)).toThrow("Shard: expected the global tensor to cut into shards, but got a number.");
  });

  it("gatherTensor with a device holding no tensor names the device", () => {
    expect(() => gatherTensor(mesh, { x: { kind: "split", dim: "a" } }, [vector([1]), undefined as unknown as Tensor<"a">])).toThrow(
      "Gather: device 1 holds undefined, not a tensor.",
    );
  });
});
