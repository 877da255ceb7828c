import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Dims } from "../dims.ts";
import { MeshtypeError } from "../errors.ts";
import { Layout } from "../layout.ts";
import { Mesh } from "../mesh.ts";
import { Tensor, type Dim } from "../tensor.ts";
import { gatherByLayout, shardByLayout, shardingOf } from "./shardByLayout.ts";
import { gatherTensor, shardTensor } from "./shard.ts";
import { partial, replicated, split, type AxisState, type Sharding } from "./sharding.ts";

const iota = (dims: Dim[], label = "t") =>
  new Tensor(dims, Float32Array.from({ length: dims.reduce((p, d) => p * d.size, 1) }, (_, i) => i), label);

/** A random mesh, a tensor whose dims divide by the axes that split them, and a sharding. */
const caseArbitrary = fc
  .record({
    axisSizes: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }),
    rank: fc.integer({ min: 0, max: 3 }),
    choices: fc.array(fc.integer({ min: -1, max: 2 }), { minLength: 3, maxLength: 3 }),
    multiples: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 3, maxLength: 3 }),
    seed: fc.integer(),
  })
  .map(({ axisSizes, rank, choices, multiples, seed }) => {
    const mesh = new Mesh(Object.fromEntries(axisSizes.map((size, index) => [`axis${index}`, size])));
    const names = ["a", "b", "c"].slice(0, rank);
    const sharding: Record<string, AxisState> = {};
    const parts = names.map(() => 1);
    mesh.axes.forEach((axis, index) => {
      const choice = choices[index];
      if (choice < 0 || choice >= rank) sharding[axis.name] = replicated;
      else {
        sharding[axis.name] = split(names[choice]);
        parts[choice] *= axis.size;
      }
    });
    const dims = names.map((name, index) => ({ name, size: parts[index] * multiples[index] }));
    const total = dims.reduce((product, dim) => product * dim.size, 1);
    const data = Float32Array.from({ length: total }, (_, index) => Math.fround(Math.sin(seed + index) * 100));
    return { mesh, sharding: sharding as Sharding, global: new Tensor(dims, data, "x"), parts };
  });

describe("shardTensor / gatherTensor", () => {
  it("round-trips any tensor under any sharding, with local sizes = global / devices splitting the dim", () => {
    fc.assert(
      fc.property(caseArbitrary, ({ mesh, sharding, global, parts }) => {
        const shards = shardTensor(mesh, sharding, global);
        expect(shards).toHaveLength(mesh.deviceCount);
        for (const shard of shards) expect(shard.shape).toEqual(global.shape.map((size, index) => size / parts[index]));
        const back = gatherTensor(mesh, sharding, shards);
        expect(back.dims).toEqual(global.dims);
        expect(back.data).toEqual(global.data);
      }),
      { numRuns: 300 },
    );
  });

  it("cuts a dim split over two axes nested in mesh-axis order (first axis major)", () => {
    const mesh = new Mesh({ data: 2, model: 2 });
    const sharding = { data: split("n"), model: split("n") };
    const shards = shardTensor(mesh, sharding, iota([{ name: "n", size: 8 }]));
    // device (data=i, model=j) holds chunk 2i + j
    expect(shards.map((shard) => [...shard.data])).toEqual([[0, 1], [2, 3], [4, 5], [6, 7]]);
    expect([...gatherTensor(mesh, sharding, shards).data]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it("cuts the right blocks of a 2-D tensor split on both dims", () => {
    const mesh = new Mesh({ row: 2, col: 2 });
    const shards = shardTensor(mesh, { row: split("r"), col: split("c") }, iota([{ name: "r", size: 2 }, { name: "c", size: 4 }]));
    expect(shards.map((shard) => [...shard.data])).toEqual([[0, 1], [2, 3], [4, 5], [6, 7]]);
  });

  it("reads a missing axis as replicated", () => {
    const mesh = new Mesh({ data: 2, model: 2 });
    const shards = shardTensor(mesh, { data: split("a") }, iota([{ name: "a", size: 2 }]));
    expect(shards.map((shard) => shard.data[0])).toEqual([0, 0, 1, 1]);
  });

  it("names the devices and the first differing element when replicas disagree", () => {
    const mesh = new Mesh({ data: 2, model: 2 });
    const sharding = { data: split("a"), model: replicated };
    const shards = shardTensor(mesh, sharding, iota([{ name: "a", size: 4 }, { name: "b", size: 3 }]));
    shards[3].data[5] = 99; // device 3 = (data=1, model=1): local [a=1, b=2] = global [a=3, b=2]
    expect(() => gatherTensor(mesh, sharding, shards)).toThrow(
      /devices 2 and 3 should hold the same replica.*differ first at \[a=3, b=2\]: device 2 has 11, device 3 has 99/,
    );
  });

  it("treats NaN replicas as equal", () => {
    const mesh = new Mesh({ x: 2 });
    const global = new Tensor([{ name: "a", size: 1 }], Float32Array.of(Number.NaN));
    expect(Number.isNaN(gatherTensor(mesh, {}, shardTensor(mesh, {}, global)).data[0])).toBe(true);
  });

  it("rejects partial states on gather and on shard, saying to reduce first", () => {
    const mesh = new Mesh({ x: 2 });
    const shards = [iota([{ name: "a", size: 2 }]), iota([{ name: "a", size: 2 }])];
    expect(() => gatherTensor(mesh, { x: partial("sum") }, shards)).toThrow(/partial\(sum\) over mesh axis "x".*reduce it first \(allReduce over "x"/);
    expect(() => shardTensor(mesh, { x: partial("max") }, shards[0])).toThrow(MeshtypeError);
  });

  it("rejects unknown axes, unknown dims, wrong counts, unequal shards and global dims the shards cannot hold", () => {
    const mesh = new Mesh({ x: 2 });
    const vector = iota([{ name: "a", size: 3 }], "v");
    expect(() => shardTensor(mesh, { y: replicated }, vector)).toThrow(/mesh axis "y", which mesh\(\{ x: 2 \}\) does not have/);
    expect(() => shardTensor(mesh, { x: split("b") }, vector)).toThrow(/splits dim "b" over "x", but the tensor has dims: a/);
    expect(() => gatherTensor(mesh, {}, [vector])).toThrow(/2 devices but 1 shards/);
    expect(() => gatherTensor(mesh, {}, [vector, iota([{ name: "a", size: 4 }])])).toThrow(/device 1 holds tensor "t" \[a=4\] but device 0 holds tensor "v" \[a=3\]/);
    const halves = shardTensor(mesh, { x: split("a") }, iota([{ name: "a", size: 4 }]));
    expect(() => gatherTensor(mesh, { x: split("a") }, halves, [{ name: "a", size: 5 }])).toThrow(/tensor \[a=5\].*hold \[a=3\] each/);
  });
});

describe("uneven splits and the major-to-minor order", () => {
  /** A random mesh, a tensor of random sizes, and a sharding with random orders: any size, divisible or not. */
  const uneven = fc
    .record({
      axisSizes: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }),
      rank: fc.integer({ min: 0, max: 3 }),
      choices: fc.array(fc.integer({ min: -1, max: 2 }), { minLength: 3, maxLength: 3 }),
      sizes: fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 3, maxLength: 3 }),
      orders: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 3, maxLength: 3 }),
    })
    .map(({ axisSizes, rank, choices, sizes, orders }) => {
      const mesh = new Mesh(Object.fromEntries(axisSizes.map((size, index) => [`axis${index}`, size])));
      const names = ["a", "b", "c"].slice(0, rank);
      const sharding: Record<string, AxisState> = {};
      const parts = names.map(() => 1);
      mesh.axes.forEach((axis, index) => {
        const choice = choices[index];
        if (choice < 0 || choice >= rank) sharding[axis.name] = replicated;
        else {
          sharding[axis.name] = split(names[choice], orders[index]);
          parts[choice] *= axis.size;
        }
      });
      const dims = names.map((name, index) => ({ name, size: sizes[index] }));
      return { mesh, sharding: sharding as Sharding, global: iota(dims, "x"), parts };
    });

  it("round-trips any size under any sharding: every shard has ceil(size / devices) entries, zeros past the end", () => {
    fc.assert(
      fc.property(uneven, ({ mesh, sharding, global, parts }) => {
        const shards = shardTensor(mesh, sharding, global);
        for (const shard of shards) expect(shard.shape).toEqual(global.shape.map((size, index) => Math.ceil(size / parts[index])));
        // every global element is held by (devices / its replicas) shards; the rest of the shards' entries are padding zeros
        const held = shards.reduce((total, shard) => total + shard.data.filter((value) => value !== 0).length, 0);
        const replicas = mesh.deviceCount / parts.reduce((product, part) => product * part, 1);
        expect(held).toBe((global.data.length - 1) * replicas);
        const back = gatherTensor(mesh, sharding, shards, global.dims);
        expect(back.dims).toEqual(global.dims);
        expect(back.data).toEqual(global.data);
      }),
      { numRuns: 300 },
    );
  });

  it("cuts 5 over (data=2, fsdp=2) level by level: blocks of 3, then of 2, so the last shard is all padding", () => {
    const mesh = new Mesh({ data: 2, fsdp: 2 });
    const sharding = { data: split("n"), fsdp: split("n", 1) };
    const shards = shardTensor(mesh, sharding, iota([{ name: "n", size: 5 }], "n"));
    // iota starts at 0, so padding and element 0 are both 0: the layout is [0 1] [2 _] [3 4] [_ _]
    expect(shards.map((shard) => [...shard.data])).toEqual([[0, 1], [2, 0], [3, 4], [0, 0]]);
    expect([...gatherTensor(mesh, sharding, shards, [{ name: "n", size: 5 }]).data]).toEqual([0, 1, 2, 3, 4]);
  });

  it("takes the order, not the mesh, as major to minor: (fsdp, data) puts fsdp's blocks outside", () => {
    const mesh = new Mesh({ data: 2, fsdp: 2 });
    const sharding = { data: split("n", 1), fsdp: split("n") };
    const shards = shardTensor(mesh, sharding, iota([{ name: "n", size: 8 }]));
    // device (data=i, fsdp=j) holds chunk 2j + i
    expect(shards.map((shard) => [...shard.data])).toEqual([[0, 1], [4, 5], [2, 3], [6, 7]]);
    expect([...gatherTensor(mesh, sharding, shards).data]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it("compares only the real entries of replicas", () => {
    const mesh = new Mesh({ x: 2, y: 2 });
    const sharding = { x: split("n"), y: replicated };
    const shards = shardTensor(mesh, sharding, iota([{ name: "n", size: 3 }]));
    shards[3].data[1] = 42; // device (x=1, y=1) holds [2 _]: the padding may differ
    expect([...gatherTensor(mesh, sharding, shards, [{ name: "n", size: 3 }]).data]).toEqual([0, 1, 2]);
    shards[3].data[0] = 42;
    expect(() => gatherTensor(mesh, sharding, shards, [{ name: "n", size: 3 }])).toThrow(/devices 2 and 3 should hold the same replica/);
  });
});

describe("layout helpers", () => {
  const mesh = new Mesh({ data: 2, model: 2 });
  const dims = new Dims({ batch: 4, d_model: 3, d_ff: 6 });
  const layout = new Layout(mesh, dims, "batch:data, d_ff:model");

  it("shardingOf splits each laid-out dim of the tensor and replicates the other axes", () => {
    expect(shardingOf(layout, "batch d_ff")).toEqual({ data: split("batch"), model: split("d_ff") });
    expect(shardingOf(layout, "d_model d_ff")).toEqual({ data: replicated, model: split("d_ff") });
  });

  it("shardByLayout then gatherByLayout round-trips", () => {
    const x = iota(dims.shape("batch d_model d_ff"), "h");
    const shards = shardByLayout(layout, x);
    expect(shards[3].shape).toEqual([2, 3, 3]);
    const back = gatherByLayout(layout, "batch d_model d_ff", shards);
    expect(back.data).toEqual(x.data);
  });

  it("checks the layout rules for the tensor (via Layout.axesFor)", () => {
    const shared = new Layout(mesh, dims, "batch:model, d_ff:model");
    expect(() => shardByLayout(shared, iota(dims.shape("batch d_ff"), "h"))).toThrow(/tensor "h".*"batch" and "d_ff", on mesh axis "model"/);
  });

  it("gatherByLayout rejects shards that make other global dims", () => {
    const shards = shardByLayout(layout, iota(dims.shape("batch d_model"), "h"));
    expect(() => gatherByLayout(layout, "d_model batch", shards)).toThrow(MeshtypeError);
  });
});
