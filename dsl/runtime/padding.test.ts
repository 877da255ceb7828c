/**
 * Uneven splits at run time: the block geometry, the mask, and every
 * collective with { pad } / { size } on the simulated mesh, checked against
 * index formulas (a global vector cut level by level), not the kernels.
 */
import { describe, expect, it } from "vitest";
import { Mesh } from "../mesh.ts";
import { Tensor } from "../tensor.ts";
import { blockOf, isUneven, localSize, maskPadding, splitAxesOf, validLength } from "./padding.ts";
import { shardTensor } from "./shard.ts";
import { replicated, split } from "./sharding.ts";
import { SimulatedMesh } from "./simulatedMesh.ts";

const vector = (size: number, name = "n"): Tensor<string> => new Tensor([{ name, size }], Float32Array.from({ length: size }, (_, index) => index + 1), "v");

describe("block geometry", () => {
  it("cuts level by level: 50257 over 8 is 6283 each, 6276 on the last", () => {
    const axes = [{ name: "model", size: 8 }];
    expect(localSize(50257, [8])).toBe(6283);
    expect(isUneven(50257, [8])).toBe(true);
    expect(isUneven(4096, [8])).toBe(false);
    expect(blockOf(50257, axes, { model: 7 })).toEqual({ offset: 43981, local: 6283, valid: 6276 });
    expect(blockOf(50257, axes, { model: 3 })).toEqual({ offset: 18849, local: 6283, valid: 6283 });
  });

  it("gives whole-padding blocks a valid length of 0, and the same local size in any order of the axes", () => {
    const major = [{ name: "data", size: 2 }, { name: "fsdp", size: 2 }];
    expect([0, 1, 2, 3].map((device) => blockOf(5, major, { data: device >> 1, fsdp: device & 1 }).valid)).toEqual([2, 1, 2, 0]);
    expect(blockOf(5, [...major].reverse(), { data: 1, fsdp: 1 })).toEqual({ offset: 3 + 2, local: 2, valid: 0 });
  });

  it("ranks the axes of a dim by their order, then by mesh order", () => {
    const mesh = [{ name: "a", size: 2 }, { name: "b", size: 3 }, { name: "c", size: 2 }];
    expect(splitAxesOf("n", { a: split("n", 1), b: split("n"), c: replicated }, mesh).map((axis) => axis.name)).toEqual(["b", "a"]);
    expect(splitAxesOf("n", { a: split("n"), b: replicated, c: split("n") }, mesh).map((axis) => axis.name)).toEqual(["a", "c"]);
  });

  it("validLength reads the device's coordinates from its context", () => {
    const place = { coords: { data: 1, model: 1 }, mesh: { sizes: { data: 2, model: 2 } } };
    expect(validLength(place, 7, ["data", "model"])).toBe(1);
    expect(validLength(place, 7, ["model", "data"])).toBe(1);
    expect(validLength({ ...place, coords: { data: 0, model: 1 } }, 7, ["model", "data"])).toBe(2);
  });

  it("maskPadding sets the tail of each named dim to the fill, leaving the real entries and the input alone", () => {
    const x = new Tensor([{ name: "a", size: 2 }, { name: "b", size: 3 }], Float32Array.of(1, 2, 3, 4, 5, 6));
    expect([...maskPadding(x, { b: 1 }, -Infinity).data]).toEqual([1, -Infinity, -Infinity, 4, -Infinity, -Infinity]);
    expect([...maskPadding(x, { a: 1, b: 2 }, 0).data]).toEqual([1, 2, 0, 0, 0, 0]);
    expect([...maskPadding(x, { b: 3 }, 0).data]).toEqual([...x.data]);
    expect([...x.data]).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe("collectives over uneven splits (simulated mesh)", () => {
  const mesh = new Mesh({ data: 2, model: 4 });
  const sim = new SimulatedMesh(mesh);
  const global = vector(7);
  /** The local block of every device under `sharding`, as shardTensor cuts it (checked above against the formulas). */
  const shards = (sharding: Parameters<typeof shardTensor>[1], tensor = global) => shardTensor(mesh, sharding, tensor);

  it("all-gather of the minor axis concatenates and drops the padding: 7 over (data, model) -> 7 over data", async () => {
    const inputs = shards({ data: split("n"), model: split("n", 1) });
    expect(inputs[0].shape).toEqual([1]);
    const results = await sim.run(async (ctx, x: Tensor<string>) => ctx.allGather(x, "model", "n", { size: 4 }), (device) => [inputs[device]]);
    const expected = shards({ data: split("n"), model: replicated });
    results.forEach((result, device) => expect([...result.data], `device ${device}`).toEqual([...expected[device].data]));
  });

  it("local slice and reduce-scatter pad with zeros: replicated 7 -> 2 per device over model", async () => {
    const expected = shards({ data: replicated, model: split("n") });
    const sliced = await sim.run(async (ctx, x: Tensor<string>) => ctx.localSlice(x, "model", "n", { pad: true }), () => [global]);
    sliced.forEach((result, device) => expect([...result.data], `device ${device}`).toEqual([...expected[device].data]));
    // every device of a model group holds the same term: the sum over its 4 devices is 4 x the block
    const scattered = await sim.run(async (ctx, x: Tensor<string>) => ctx.reduceScatter(x, "model", "n", "sum", { pad: true }), () => [global]);
    scattered.forEach((result, device) => expect([...result.data], `device ${device}`).toEqual([...expected[device].data].map((value) => value * 4)));
  });

  it("all-to-all pads the dim it cuts and trims the dim it joins", async () => {
    const matrix = new Tensor([{ name: "a", size: 6 }, { name: "b", size: 3 }], Float32Array.from({ length: 18 }, (_, index) => index + 1));
    const from = shards({ data: replicated, model: split("a") }, matrix);
    const to = shards({ data: replicated, model: split("b") }, matrix);
    const results = await sim.run(async (ctx, x: Tensor<string>) => ctx.allToAll(x, "model", "b", "a", { pad: true, size: 6 }), (device) => [from[device]]);
    results.forEach((result, device) => {
      expect(result.shape).toEqual([6, 1]);
      // the padded columns of b (devices with model >= 3) are zeros; the rest is the block of b
      expect([...result.data], `device ${device}`).toEqual([...to[device].data]);
    });
  });

  it("without { pad } an uneven chunk is still an error, and a joined size larger than the shards is one too", async () => {
    await expect(sim.run(async (ctx, x: Tensor<string>) => ctx.localSlice(x, "model", "n"), () => [global])).rejects.toThrow(/does not split into 4 equal chunks/);
    const inputs = shards({ data: replicated, model: split("n") });
    await expect(sim.run(async (ctx, x: Tensor<string>) => ctx.allGather(x, "model", "n", { size: 9 }), (device) => [inputs[device]])).rejects.toThrow(
      /asks to keep 9 entries of dim "n", but the 4 shards hold 8/,
    );
  });

  it("counts the padded payload on the wire", async () => {
    sim.resetStats();
    const inputs = shards({ data: replicated, model: split("n") });
    await sim.run(async (ctx, x: Tensor<string>) => ctx.allGather(x, "model", "n", { size: 7 }), (device) => [inputs[device]]);
    // each device sends its 2-entry shard (padding included) to 3 others: 3 x 2 x 4 bytes, 8 devices
    expect(sim.stats.get("allGather", "model").wireBytes).toBe(8 * 3 * 2 * 4);
    sim.resetStats();
    await sim.run(async (ctx, x: Tensor<string>) => ctx.reduceScatter(x, "model", "n", "sum", { pad: true }), () => [global]);
    // the input is padded to 4 chunks of 2: (n-1)/n x 8 entries x 4 bytes per device
    expect(sim.stats.get("reduceScatter", "model").wireBytes).toBe(8 * (3 / 4) * 8 * 4);
  });
});
