import { describe, expect, it } from "vitest";
import { Mesh } from "../mesh.ts";
import { Tensor, type Dim } from "../tensor.ts";
import { drawSharding, formatDevices, shardingSvg } from "./drawSharding.ts";
import { shardTensor } from "./shard.ts";
import { partial, replicated, split, type Sharding } from "./sharding.ts";
import { shardingGrid } from "./shardingBlocks.ts";

/** A tensor whose every element is its own flat index. */
function iota(dims: readonly Dim[]): Tensor {
  const count = dims.reduce((product, dim) => product * dim.size, 1);
  return new Tensor(dims, Float32Array.from({ length: count }, (_, index) => index));
}

/** The flat indices of the block of `dims` given by `ranges` (whole dims where there is no range), row-major. */
function blockIndices(dims: readonly Dim[], ranges: readonly { dim: string; start: number; end: number }[]): number[] {
  let indices = [0];
  for (const dim of dims) {
    const range = ranges.find((entry) => entry.dim === dim.name) ?? { start: 0, end: dim.size };
    indices = indices.flatMap((base) => Array.from({ length: range.end - range.start }, (_, offset) => base * dim.size + range.start + offset));
  }
  return indices;
}

const cases: readonly { mesh: Record<string, number>; dims: Dim[]; sharding: Sharding }[] = [
  { mesh: { model: 4 }, dims: [{ name: "d_model", size: 4 }, { name: "d_ff", size: 8 }], sharding: { model: split("d_ff") } },
  { mesh: { data: 2, model: 2 }, dims: [{ name: "batch", size: 4 }, { name: "seq", size: 2 }, { name: "d", size: 4 }], sharding: { data: split("batch"), model: replicated } },
  { mesh: { data: 2, model: 2 }, dims: [{ name: "batch", size: 4 }, { name: "d_ff", size: 8 }], sharding: { data: split("batch"), model: split("d_ff") } },
  { mesh: { data: 2, model: 3 }, dims: [{ name: "d", size: 2 }, { name: "f", size: 12 }], sharding: { data: split("f"), model: split("f") } },
  { mesh: { a: 2, b: 3, c: 2 }, dims: [{ name: "x", size: 4 }, { name: "y", size: 3 }, { name: "z", size: 2 }], sharding: { a: split("z"), b: split("y"), c: split("x") } },
  { mesh: { data: 2, model: 2 }, dims: [{ name: "v", size: 6 }], sharding: {} },
];

describe("shardingGrid", () => {
  it.each(cases.map((entry) => [JSON.stringify(entry.sharding), entry] as const))("%s: each cell's devices hold exactly its block (as shardTensor cuts it)", (_name, { mesh, dims, sharding }) => {
    const grid = shardingGrid(dims, sharding, mesh);
    const global = iota(dims);
    const shards = shardTensor(new Mesh(mesh), sharding, global);
    expect(grid.cells.flatMap((cell) => cell.devices).sort((a, b) => a - b)).toEqual(shards.map((_, device) => device));
    expect(grid.cells).toHaveLength(grid.rows * grid.columns);
    for (const cell of grid.cells) {
      const expected = blockIndices(dims, cell.ranges);
      for (const device of cell.devices) expect(Array.from(shards[device]?.data ?? []), `device ${device}`).toEqual(expected);
    }
  });

  it("puts a split first dim down the rows and another split dim across the columns", () => {
    expect(shardingGrid(cases[1]!.dims, cases[1]!.sharding, cases[1]!.mesh)).toMatchObject({ rowDim: "batch", columnDims: [], rows: 2, columns: 1 });
    expect(shardingGrid(cases[0]!.dims, cases[0]!.sharding, cases[0]!.mesh)).toMatchObject({ rowDim: undefined, columnDims: ["d_ff"], rows: 1, columns: 4 });
    expect(shardingGrid(cases[2]!.dims, cases[2]!.sharding, cases[2]!.mesh)).toMatchObject({ rowDim: "batch", columnDims: ["d_ff"], rows: 2, columns: 2 });
  });

  it("notes the axes on which a value is a pending sum", () => {
    expect(shardingGrid(cases[1]!.dims, { data: split("batch"), model: partial("sum") }, cases[1]!.mesh).partialAxes).toEqual(["model"]);
  });
});

describe("drawSharding", () => {
  it("draws a heading and a box per block naming its devices and ranges", () => {
    expect(drawSharding({ data: 2, model: 2 }, { data: split("batch"), model: split("d_ff") }, [{ name: "batch", size: 4 }, { name: "d_ff", size: 8 }], "h")).toBe([
      "h [batch=4 d_ff=8]: batch split over data (2); d_ff split over model (2)",
      "┌───────────┬───────────┐",
      "│   dev 0   │   dev 1   │",
      "│ batch 0:2 │ batch 0:2 │",
      "│ d_ff 0:4  │ d_ff 4:8  │",
      "├───────────┼───────────┤",
      "│   dev 2   │   dev 3   │",
      "│ batch 2:4 │ batch 2:4 │",
      "│ d_ff 0:4  │ d_ff 4:8  │",
      "└───────────┴───────────┘",
    ].join("\n"));
    expect(drawSharding({ data: 2, model: 2 }, {}, [{ name: "b", size: 8 }], "b")).toBe(
      "b [b=8]: whole on every device: replicated over data (2), model (2)\n┌─────────┐\n│ dev 0-3 │\n└─────────┘",
    );
    expect(drawSharding(cases[3]!.mesh, cases[3]!.sharding, cases[3]!.dims).split("\n")[0]).toBe("[d=2 f=12]: f split over data x model (6)");
  });

  it("colours each block only when asked", () => {
    expect(drawSharding({ x: 2 }, { x: split("v") }, [{ name: "v", size: 2 }], "v")).not.toContain("\u001b[");
    expect(drawSharding({ x: 2 }, { x: split("v") }, [{ name: "v", size: 2 }], "v", { color: true })).toContain("\u001b[48;5;");
  });

  it("writes device lists with runs joined", () => {
    expect(formatDevices([0, 1, 2, 3])).toBe("0-3");
    expect(formatDevices([0, 2])).toBe("0,2");
    expect(formatDevices([0, 1, 4, 5, 6])).toBe("0,1,4-6");
  });

  it("draws the same blocks as an SVG document, one rect per block", () => {
    const svg = shardingSvg({ data: 2, model: 2 }, [{ title: "h", dims: cases[2]!.dims, sharding: cases[2]!.sharding }, { title: "b", dims: [{ name: "b", size: 8 }], sharding: {} }], "caption");
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<rect x=/g)).toHaveLength(5);
    expect(svg).toContain('>dev 3</text>');
    expect(svg).toContain(">b [b=8]: whole on every device: replicated over data (2), model (2)</text>");
  });
});
