/**
 * The Python port of the seeded init (runtime/meshtype_torch/seeded.py) against
 * dsl/ops/random.ts: uniform values bit for bit, normal values to float32
 * rounding, for whole tensors, for regions (counters past 2^32 included), and
 * for the shard each rank creates of a layout (shard.local_region).
 */
import { beforeAll, expect, test } from "vitest";
import { Dims } from "../../../dsl/dims.ts";
import { Mesh } from "../../../dsl/mesh.ts";
import { randomNormal, randomUniform, type RegionOptions } from "../../../dsl/ops/random.ts";
import { shardTensor } from "../../../dsl/runtime/shard.ts";
import type { Sharding } from "../../ir/ir.ts";
import { runPythonScript } from "../../testing/torch/pythonScript.ts";
import { describeWithTorch } from "../../testing/torch/torchGuard.ts";

type Dist = "normal" | "uniform";
interface InitCase {
  readonly dist: Dist;
  readonly seed: number;
  readonly name: string;
  readonly sizes: Readonly<Record<string, number>>;
  readonly region?: Readonly<Record<string, readonly [number, number]>>;
}

const cases: readonly InitCase[] = [
  { dist: "uniform", seed: 0, name: "w_in", sizes: { a: 3, b: 5 } },
  { dist: "uniform", seed: 4294967295, name: "größe/Ω", sizes: { a: 7 } },
  { dist: "normal", seed: 1234, name: "x", sizes: { a: 4, b: 2, c: 3 } },
  { dist: "uniform", seed: 9, name: "far", sizes: { a: 65536, b: 131072 }, region: { a: [65535, 65536], b: [131064, 131072] } },
  { dist: "normal", seed: 9, name: "far", sizes: { a: 65536, b: 131072 }, region: { a: [40000, 40001], b: [5, 9] } },
];

function typescriptValues(entry: InitCase): number[] {
  const dims = new Dims(entry.sizes);
  const spec = Object.keys(entry.sizes).join(" ");
  const where: RegionOptions<string> = { region: entry.region ?? {} };
  const tensor = entry.dist === "normal"
    ? randomNormal(dims, spec, { seed: entry.seed, name: entry.name, std: 0.5, mean: 0.25 }, where)
    : randomUniform(dims, spec, { seed: entry.seed, name: entry.name, low: -2, high: 3 }, where);
  return Array.from(tensor.data);
}

const shardings: readonly Sharding[] = [
  { data: { kind: "split", dim: "a" }, model: { kind: "split", dim: "a" } },
  { data: { kind: "split", dim: "b" }, model: { kind: "split", dim: "a" } },
  { data: { kind: "replicated" }, model: { kind: "split", dim: "b" } },
];

const script = `
import json, sys
import meshtype_torch as mt
from meshtype_torch.mesh import MeshShape
request = json.loads(sys.argv[1])
out = {"cases": [], "shards": []}
for case in request["cases"]:
    shape = list(case["sizes"].values())
    region = [tuple(case.get("region", {}).get(name, (0, size))) for name, size in case["sizes"].items()]
    if case["dist"] == "normal":
        values = mt.random_normal(shape, case["seed"], case["name"], mean=0.25, std=0.5, region=region)
    else:
        values = mt.random_uniform(shape, case["seed"], case["name"], low=-2.0, high=3.0, region=region)
    out["cases"].append([float(v) for v in values.flatten().tolist()])
shape = MeshShape({"data": 2, "model": 2})
for sharding in request["shardings"]:
    leaf = {"kind": "tensor", "dims": [{"name": "a", "size": 8}, {"name": "b", "size": 4}], "sharding": sharding}
    ranks = []
    for rank in range(4):
        region = mt.local_region(shape, leaf, shape.coords(rank), "w")
        ranks.append([float(v) for v in mt.random_normal([8, 4], 3, "w", region=region).flatten().tolist()])
    out["shards"].append(ranks)
from meshtype_torch.shard import init_shard
leaf = {"kind": "tensor", "dims": [{"name": "batch", "size": 8}, {"name": "seq", "size": 16}], "sharding": {"data": {"kind": "split", "dim": "batch"}, "model": {"kind": "replicated"}}}
out["inits"] = {
    kind: [[float(v) for v in init_shard(5, "ids", {**leaf, **({"init": init} if init else {})}, shape, shape.coords(rank), None).flatten().tolist()] for rank in range(4)]
    for kind, init in [("integers", {"kind": "integers", "high": 7}), ("zeros", {"kind": "zeros"}), ("normal", None)]
}
print(json.dumps(out))
`;

describeWithTorch("seeded init ported to torch", () => {
  let python: { cases: number[][]; shards: number[][][]; inits: Record<"integers" | "zeros" | "normal", number[][]> };

  beforeAll(async () => {
    python = JSON.parse(await runPythonScript(script, [JSON.stringify({ cases, shardings })])) as typeof python;
  }, 180_000);

  test.each(cases.map((entry, index) => [index, entry.dist, entry.name, entry.seed] as const))(
    "case %i: %s \"%s\" seed %i equals the TypeScript values (uniform bit for bit, normal to float32 rounding)",
    (index, dist) => {
      const expected = typescriptValues(cases[index]);
      const actual = python.cases[index];
      expect(actual.length).toBe(expected.length);
      if (dist === "uniform") expect(actual).toEqual(expected);
      else actual.forEach((value, position) => expect(Math.abs(value - expected[position])).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(expected[position]))));
    },
  );

  test("--init-seed makes integer leaves whole numbers in [0, high), every value once in a while, zeros leaves zeros, others normal", () => {
    const integers = python.inits.integers.flat();
    // batch split over data (2), replicated over model: 4 x 16 per rank; ranks 0 and 1 share their rows, rank 2 has the others
    expect(integers).toHaveLength(4 * 4 * 16);
    expect(integers.every((value) => Number.isInteger(value) && value >= 0 && value < 7)).toBe(true);
    expect(new Set(integers).size).toBe(7);
    expect(python.inits.integers[1]).toEqual(python.inits.integers[0]);
    expect(python.inits.integers[2]).not.toEqual(python.inits.integers[0]);
    expect(python.inits.zeros.flat().every((value) => value === 0)).toBe(true);
    const normal = python.inits.normal.flat();
    expect(normal.some((value) => value < 0) && normal.some((value) => !Number.isInteger(value))).toBe(true);
  });

  test.each(shardings.map((sharding, index) => [index, JSON.stringify(sharding)] as const))("sharding %i %s: each rank's own shard is its piece of the whole tensor", (index) => {
    const whole = randomNormal(new Dims({ a: 8, b: 4 }), "a b", { seed: 3, name: "w" });
    const shards = shardTensor(new Mesh({ data: 2, model: 2 }), shardings[index], whole);
    shards.forEach((shard, rank) => {
      const actual = python.shards[index][rank];
      expect(actual.length).toBe(shard.data.length);
      actual.forEach((value, position) => expect(Math.abs(value - shard.data[position])).toBeLessThanOrEqual(1e-6));
    });
  });
});
