import { describe, expect, it } from "vitest";
import { dims } from "../dims.ts";
import { einsum, randomNormal } from "../ops/index.ts";
import type { Tensor } from "../tensor.ts";
import { checkLocalArgs } from "./checkArgs.ts";
import type { DeviceContext } from "./deviceContext.ts";
import { maxDifference } from "./maxDifference.ts";
import type { ProgramMeta } from "./programMeta.ts";
import { gatherResult, runSharded, shardArgs } from "./runSharded.ts";

const D = dims({ batch: 4, d: 4, f: 8 });
const split = (dim: string) => ({ kind: "split", dim }) as const;
const replicated = { kind: "replicated" } as const;

/** What the compiler would emit for `einsum(x, p.layers[i].w)` summed over two layers, batch over data and f over model. */
const projectMeta: ProgramMeta = {
  name: "project",
  mesh: { data: 2, model: 2 },
  layout: "batch:data, f:model",
  params: [
    { name: "x", tree: { kind: "tensor", dims: [{ name: "batch", size: 4 }, { name: "d", size: 4 }], sharding: { data: split("batch"), model: replicated } } },
    {
      name: "p",
      tree: {
        kind: "object",
        fields: {
          layers: {
            kind: "array",
            items: [0, 1].map(() => ({ kind: "object", fields: { w: { kind: "tensor", dims: [{ name: "d", size: 4 }, { name: "f", size: 8 }], sharding: { data: replicated, model: split("f") } } } })),
          },
        },
      },
    },
  ],
  result: {
    kind: "array",
    items: [0, 1].map(() => ({ kind: "tensor", dims: [{ name: "batch", size: 4 }, { name: "f", size: 8 }], sharding: { data: split("batch"), model: split("f") } })),
  },
};

interface Params { readonly layers: readonly { readonly w: Tensor<"d f"> }[] }

/** A device function as emitted: checks its local shards, then computes on them (no communication needed here). */
async function project(ctx: DeviceContext, x: Tensor<"batch d">, p: Params): Promise<Tensor<"batch f">[]> {
  checkLocalArgs(projectMeta, [x, p]);
  return p.layers.slice(0, 2).map((layer) => einsum(x, layer.w, "batch f"));
}

const x = randomNormal(D, "batch d", { seed: 1, name: "x" });
const params: Params = { layers: [0, 1].map((index) => ({ w: randomNormal(D, "d f", { seed: 2, name: `w${index}` }) })) };
const eager = params.layers.map((layer) => einsum(x, layer.w, "batch f"));

describe("runSharded", () => {
  it("shards the global inputs by the meta, runs every device, and gathers a result equal to eager", async () => {
    const { result, local } = await runSharded(project, projectMeta, x, params);
    expect(maxDifference(result, eager)).toBeLessThan(1e-6);
    expect(local).toHaveLength(4);
    expect(local[3]?.[0]?.dims).toEqual([{ name: "batch", size: 2 }, { name: "f", size: 4 }]);
  });

  it("shardArgs gives each device its block; gatherResult puts them back", () => {
    const perDevice = shardArgs(projectMeta, x, params);
    expect(perDevice).toHaveLength(4);
    const [xOf3, pOf3] = perDevice[3] as [Tensor, Params];
    expect(xOf3.dims).toEqual([{ name: "batch", size: 2 }, { name: "d", size: 4 }]);
    expect(Array.from(xOf3.data)).toEqual(Array.from(x.data.slice(8)));
    expect(pOf3.layers[1]?.w.dims).toEqual([{ name: "d", size: 4 }, { name: "f", size: 4 }]);
    const outputs = perDevice.map(([local, p]) => (p as unknown as Params).layers.map((layer) => einsum(local as Tensor<"batch d">, layer.w, "batch f")));
    expect(maxDifference(gatherResult(projectMeta, outputs), eager)).toBeLessThan(1e-6);
  });

  it("refuses inputs that are not what the program takes, naming the input", () => {
    expect(() => shardArgs(projectMeta, randomNormal(D, "d batch", { seed: 1, name: "t" }), params)).toThrow(
      'shardArgs(project): input "x" must be the global tensor [batch=4 d=4], but got a tensor [d=4 batch=4]. Pass the same inputs as to the eager model.',
    );
    expect(() => shardArgs(projectMeta, x, { layers: params.layers.slice(0, 1) })).toThrow('input "p.layers" must be an array of at least 2, but got an array of 1.');
    expect(() => shardArgs(projectMeta, x, {})).toThrow('input "p.layers" must be an array of at least 2, but got undefined.');
  });
});

describe("checkLocalArgs (the first line of every generated device program)", () => {
  it("names the parameter, the local dims it expects and what came, for a global tensor", async () => {
    const message = await project(undefined as unknown as DeviceContext, x, params).then(() => "no error", (error: unknown) => (error instanceof Error ? error.message : String(error)));
    expect(message).toBe(
      'project: parameter "x" must be this device\'s local shard [batch=2 d=4] (global [batch=4 d=4], batch split over data), but got a tensor [batch=4 d=4] (the global tensor). ' +
        'A device program takes this device\'s local shards: run it with runSharded(project, projectMeta, ...globalArgs) from "meshtype/runtime", or cut the inputs with shardArgs(projectMeta, ...globalArgs).',
    );
  });

  it("checks every leaf of a tree, and its fields and array lengths", () => {
    const [xOf0, pOf0] = shardArgs(projectMeta, x, params)[0] as [Tensor, Params];
    expect(() => checkLocalArgs(projectMeta, [xOf0, pOf0])).not.toThrow();
    expect(() => checkLocalArgs(projectMeta, [xOf0, { layers: [pOf0.layers[0], { w: params.layers[1]?.w }] }])).toThrow(
      'parameter "p.layers[1].w" must be this device\'s local shard [d=4 f=4] (global [d=4 f=8], f split over model), but got a tensor [d=4 f=8] (the global tensor).',
    );
    expect(() => checkLocalArgs(projectMeta, [xOf0, { layers: [pOf0.layers[0]] }])).toThrow('parameter "p.layers" must have at least 2 items (the program reads that many), but has 1.');
    expect(() => checkLocalArgs(projectMeta, [xOf0, { layers: [{}, {}] }])).toThrow('parameter "p.layers[0].w" is missing (the program reads it).');
    expect(() => checkLocalArgs(projectMeta, [xOf0])).toThrow('parameter "p" must be an object with fields layers, but got undefined.');
  });
});

describe("maxDifference", () => {
  it("is the largest absolute difference, NaN when a NaN is in either, and names where the trees differ", () => {
    expect(maxDifference(eager, eager)).toBe(0);
    expect(() => maxDifference(eager.slice(0, 1), eager)).toThrow("maxDifference: result is an array of 1, but the expected value is an array of 2.");
    expect(() => maxDifference({ a: x }, { b: x })).toThrow("maxDifference: result.b is missing.");
  });
});
