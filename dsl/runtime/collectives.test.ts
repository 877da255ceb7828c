/**
 * Every collective against an oracle written from index formulas (not from the
 * runtime's chunk/concat kernels), on meshes of 1, 2, 2x2 and 2x4 devices, with
 * groups along each axis, and along each dim of a 3-D tensor.
 */
import { describe, expect, it } from "vitest";
import { Mesh } from "../mesh.ts";
import { Tensor, type Dim } from "../tensor.ts";
import type { DeviceContext } from "./deviceContext.ts";
import { SimulatedMesh } from "./simulatedMesh.ts";

const inputDims: Dim[] = [
  { name: "p", size: 4 },
  { name: "q", size: 4 },
  { name: "r", size: 8 },
];
const strides = [32, 8, 1];

/** The input element of `device` at multi-index [i, j, k]: unique per device and position, exact in float32. */
function valueAt(device: number, index: readonly number[]): number {
  return device * 1000 + index[0] * strides[0] + index[1] * strides[1] + index[2] * strides[2];
}

function inputOf(device: number): Tensor<"p q r"> {
  return new Tensor<"p q r">(inputDims, Float32Array.from({ length: 128 }, (_, flat) => device * 1000 + flat), `x${device}`);
}

/** Compare `actual` with `dims` and the element `expected(index)` at every multi-index. */
function expectTensor(actual: Tensor<string>, dims: readonly Dim[], expected: (index: number[]) => number, where: string): void {
  expect(actual.dims, where).toEqual(dims);
  const total = dims.reduce((product, dim) => product * dim.size, 1);
  for (let flat = 0; flat < total; flat++) {
    const index: number[] = [];
    let rest = flat;
    for (let axis = dims.length - 1; axis >= 0; axis--) {
      index.unshift(rest % dims[axis].size);
      rest = Math.floor(rest / dims[axis].size);
    }
    if (actual.data[flat] !== expected(index)) {
      expect.fail(`${where}: at [${index}] got ${actual.data[flat]}, expected ${expected(index)}`);
    }
  }
}

function withSize(dims: readonly Dim[], at: number, size: number): Dim[] {
  return dims.map((dim, position) => (position === at ? { name: dim.name, size } : dim));
}

const meshes: Record<string, Record<string, number>> = {
  "1 device": { solo: 1 },
  "2 devices": { x: 2 },
  "2x2": { data: 2, model: 2 },
  "2x4": { data: 2, model: 4 },
};

type Check = (ctx: DeviceContext, x: Tensor<"p q r">) => Promise<Tensor<string>> | Tensor<string>;

async function runEverywhere(mesh: Mesh, check: Check): Promise<Tensor<string>[]> {
  return new SimulatedMesh(mesh).run(async (ctx, x: Tensor<"p q r">) => check(ctx, x), (device) => [inputOf(device)] as const);
}

for (const [meshName, sizes] of Object.entries(meshes)) {
  const mesh = new Mesh(sizes);
  for (const { name: axis, size: n } of mesh.axes) {
    describe(`${meshName}, group along "${axis}"`, () => {
      const group = (device: number) => mesh.group(device, axis);
      const coord = (device: number) => mesh.coords(device)[axis];

      it("allReduce sums and maxes over the group", async () => {
        for (const reduce of ["sum", "max"] as const) {
          const outputs = await runEverywhere(mesh, (ctx, x) => ctx.allReduce(x, axis, reduce));
          outputs.forEach((output, device) => {
            const values = (index: number[]) => group(device).map((peer) => valueAt(peer, index));
            const expected = (index: number[]) =>
              reduce === "sum" ? values(index).reduce((a, b) => a + b, 0) : Math.max(...values(index));
            expectTensor(output, inputDims, expected, `device ${device} ${reduce}`);
          });
        }
      });

      inputDims.forEach((dim, at) => {
        it(`allGather along "${dim.name}" concatenates in axis order`, async () => {
          const outputs = await runEverywhere(mesh, (ctx, x) => ctx.allGather(x, axis, dim.name));
          outputs.forEach((output, device) => {
            const expected = (index: number[]) => {
              const source = group(device)[Math.floor(index[at] / dim.size)];
              return valueAt(source, withIndex(index, at, index[at] % dim.size));
            };
            expectTensor(output, withSize(inputDims, at, dim.size * n), expected, `device ${device}`);
          });
        });

        it(`reduceScatter along "${dim.name}" keeps chunk k of the sum`, async () => {
          const chunk = dim.size / n;
          const outputs = await runEverywhere(mesh, (ctx, x) => ctx.reduceScatter(x, axis, dim.name));
          outputs.forEach((output, device) => {
            const expected = (index: number[]) =>
              group(device)
                .map((peer) => valueAt(peer, withIndex(index, at, coord(device) * chunk + index[at])))
                .reduce((a, b) => a + b, 0);
            expectTensor(output, withSize(inputDims, at, chunk), expected, `device ${device}`);
          });
        });

        it(`localSlice along "${dim.name}" keeps chunk k without communication`, async () => {
          const chunk = dim.size / n;
          const outputs = await runEverywhere(mesh, (ctx, x) => ctx.localSlice(x, axis, dim.name));
          outputs.forEach((output, device) => {
            const expected = (index: number[]) => valueAt(device, withIndex(index, at, coord(device) * chunk + index[at]));
            expectTensor(output, withSize(inputDims, at, chunk), expected, `device ${device}`);
          });
        });

        inputDims.forEach((other, concatAt) => {
          if (concatAt === at) return;
          it(`allToAll split "${dim.name}" concat "${other.name}" moves chunk j to coordinate j`, async () => {
            const chunk = dim.size / n;
            const outputs = await runEverywhere(mesh, (ctx, x) => ctx.allToAll(x, axis, dim.name, other.name));
            outputs.forEach((output, device) => {
              const expected = (index: number[]) => {
                const source = group(device)[Math.floor(index[concatAt] / other.size)];
                const local = withIndex(index, concatAt, index[concatAt] % other.size);
                return valueAt(source, withIndex(local, at, coord(device) * chunk + index[at]));
              };
              const dims = withSize(withSize(inputDims, at, chunk), concatAt, other.size * n);
              expectTensor(output, dims, expected, `device ${device}`);
            });
          });
        });
      });

      for (const shift of [1, -1, 2]) {
        it(`collectivePermute shift ${shift} receives from coordinate - shift, zeros at the edge`, async () => {
          const outputs = await runEverywhere(mesh, (ctx, x) => ctx.collectivePermute(x, axis, shift));
          outputs.forEach((output, device) => {
            const from = coord(device) - shift;
            const expected = (index: number[]) => (from >= 0 && from < n ? valueAt(group(device)[from], index) : 0);
            expectTensor(output, inputDims, expected, `device ${device}`);
          });
        });
      }
    });
  }
}

function withIndex(index: readonly number[], at: number, value: number): number[] {
  return index.map((entry, position) => (position === at ? value : entry));
}

describe("collectives, hand-computed on 2 devices", () => {
  const mesh = new Mesh({ x: 2 });
  const ab: Dim[] = [{ name: "a", size: 2 }, { name: "b", size: 2 }];
  const inputs = [new Tensor(ab, Float32Array.of(1, 2, 3, 4), "t"), new Tensor(ab, Float32Array.of(10, 20, 30, 40), "t")];
  const run = (check: (ctx: DeviceContext, x: Tensor<string>) => Promise<Tensor<string>>) =>
    new SimulatedMesh(mesh).run(check, (device) => [inputs[device]] as const);
  const data = (tensors: Tensor<string>[]) => tensors.map((tensor) => [...tensor.data]);

  it("allReduce", async () => {
    expect(data(await run((ctx, x) => ctx.allReduce(x, "x", "sum")))).toEqual([[11, 22, 33, 44], [11, 22, 33, 44]]);
  });
  it("allGather along the minor dim interleaves rows", async () => {
    const out = await run((ctx, x) => ctx.allGather(x, "x", "b"));
    expect(out[0].shape).toEqual([2, 4]);
    expect(data(out)).toEqual([[1, 2, 10, 20, 3, 4, 30, 40], [1, 2, 10, 20, 3, 4, 30, 40]]);
  });
  it("reduceScatter along a", async () => {
    expect(data(await run((ctx, x) => ctx.reduceScatter(x, "x", "a")))).toEqual([[11, 22], [33, 44]]);
  });
  it("allToAll split b concat a", async () => {
    // device 0 gets column 0 of both; device 1 gets column 1 of both, stacked along a.
    expect(data(await run((ctx, x) => ctx.allToAll(x, "x", "b", "a")))).toEqual([[1, 3, 10, 30], [2, 4, 20, 40]]);
  });
  it("collectivePermute +1", async () => {
    expect(data(await run((ctx, x) => ctx.collectivePermute(x, "x", 1)))).toEqual([[0, 0, 0, 0], [1, 2, 3, 4]]);
  });
  it("inputs are not modified", async () => {
    await run((ctx, x) => ctx.allReduce(x, "x", "sum"));
    expect(data(inputs)).toEqual([[1, 2, 3, 4], [10, 20, 30, 40]]);
  });
});
