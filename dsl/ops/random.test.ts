import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dims } from "../dims.ts";
import { randomNormal, randomUniform } from "./random.ts";
import { fmix32, hashName, randomBits, streamKey } from "./randomBits.ts";
import { allIndices, at, shapeOf } from "./testSupport.ts";

const D = dims({ a: 2, b: 3, big: 4096, rows: 5, cols: 7 });

describe("the counter-based generator", () => {
  // Pinned values, checked against an independent numpy port written from the TSDoc of randomBits.ts.
  it("gives the pinned bits, keys and hashes", () => {
    expect(fmix32(0)).toBe(0);
    expect(fmix32(1)).toBe(1364076727);
    expect(hashName("")).toBe(0x811c9dc5);
    expect(hashName("w_in")).toBe(735968824);
    expect(streamKey(0, "w_in")).toEqual({ key1: 1709478295, key2: 2562539950 });
    expect(streamKey(1234, "w_in")).toEqual({ key1: 4534729, key2: 1263870530 });
    const key = streamKey(0, "w_in");
    expect([0, 1, 2, 3, 2 ** 32, 2 ** 32 + 5].map((counter) => randomBits(key, counter))).toEqual([
      1443440191, 3859605618, 2620111892, 1749043231, 3453058978, 864030061,
    ]);
  });

  it("gives the pinned uniform and normal values", () => {
    expect([...randomUniform(D, "a b", { seed: 0, name: "w_in" }).data]).toEqual([
      0.33607709407806396, 0.8986344337463379, 0.6100423336029053, 0.40723085403442383, 0.3517170548439026, 0.5301268696784973,
    ]);
    expect([...randomNormal(D, "a b", { seed: 0, name: "w_in" }).data]).toEqual([
      0.727637529373169, -1.1457717418670654, -0.9144202470779419, 1.312664270401001, 0.32589319348335266, -1.937323808670044,
    ]);
    expect([...randomNormal(D, "a b", { seed: 7, name: "layer0.attn.wq" }).data]).toEqual([
      0.9111890196800232, -0.23362794518470764, 0.7921904921531677, 1.784904956817627, -1.294547200202942, 0.4151681065559387,
    ]);
  });

  it("depends on the seed and the name, and labels the tensor with the name", () => {
    const base = randomNormal(D, "a b", { seed: 0, name: "w" });
    expect(base.label).toBe("w");
    expect([...randomNormal(D, "a b", { seed: 1, name: "w" }).data]).not.toEqual([...base.data]);
    expect([...randomNormal(D, "a b", { seed: 0, name: "v" }).data]).not.toEqual([...base.data]);
    expect([...randomNormal(D, "a b", { seed: 0, name: "w" }).data]).toEqual([...base.data]);
  });

  it("rejects a bad seed or an empty name", () => {
    expect(() => randomNormal(D, "a", { seed: -1, name: "w" })).toThrow('Random init "w": seed -1 is not an integer in [0, 2^32).');
    expect(() => randomNormal(D, "a", { seed: 0.5, name: "w" })).toThrow(/seed 0.5 is not an integer/);
    expect(() => randomUniform(D, "a", { seed: 0, name: "" })).toThrow(/needs a non-empty name/);
  });
});

describe("regions", () => {
  it("a region has exactly the whole tensor's values there", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 7 }), fc.nat(1000),
        (rowStart, rowLength, colStart, colLength, seed) => {
          const rows: [number, number] = [rowStart, Math.min(5, rowStart + rowLength)];
          const cols: [number, number] = [colStart, Math.min(7, colStart + colLength)];
          const options = { seed, name: "w", std: 0.5, mean: 1 };
          const whole = randomNormal(D, "rows cols", options);
          const part = randomNormal(D, "rows cols", options, { region: { rows, cols } });
          expect(shapeOf(part)).toBe(`rows=${rows[1] - rows[0]} cols=${cols[1] - cols[0]}`);
          for (const index of allIndices(part.dims)) {
            expect(at(part, index)).toBe(at(whole, { rows: index.rows + rows[0], cols: index.cols + cols[0] }));
          }
          const uniformPart = randomUniform(D, "cols rows", { seed, name: "u" }, { region: { cols } });
          const uniformWhole = randomUniform(D, "cols rows", { seed, name: "u" });
          for (const index of allIndices(uniformPart.dims)) {
            expect(at(uniformPart, index)).toBe(at(uniformWhole, { ...index, cols: index.cols + cols[0] }));
          }
        },
      ),
      { numRuns: 50 },
    );
  });

  it("a bad region names the dim and the bounds", () => {
    expect(() => randomNormal(D, "a b", { seed: 0, name: "w" }, { region: { b: [2, 4] } })).toThrow(
      'region: [2, 4) is not a range of dim "b" (size 3) of random tensor "w" [a=2, b=3]. Use integers with 0 <= start < stop <= 3.',
    );
  });
});

describe("statistics", () => {
  it("normal values have the requested mean and std, and normal tails", () => {
    const values = [...randomNormal(D, "big", { seed: 3, name: "stats", mean: 2, std: 3 }).data];
    const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
    const std = Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length);
    expect(Math.abs(mean - 2)).toBeLessThan(0.15); // 3 standard errors: 3 * 3 / sqrt(4096) = 0.14
    expect(Math.abs(std - 3)).toBeLessThan(0.12);
    const within = values.filter((value) => Math.abs(value - 2) < 3).length / values.length;
    expect(within).toBeGreaterThan(0.66);
    expect(within).toBeLessThan(0.71); // P(|z| < 1) = 0.683
  });

  it("uniform values fill [low, high) evenly", () => {
    const values = [...randomUniform(D, "big", { seed: 3, name: "stats", low: -1, high: 1 }).data];
    expect(Math.min(...values)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...values)).toBeLessThan(1);
    const buckets = [0, 0, 0, 0];
    for (const value of values) buckets[Math.floor((value + 1) * 2)]++;
    for (const count of buckets) expect(Math.abs(count - 1024)).toBeLessThan(110); // ~4 standard deviations
  });
});
