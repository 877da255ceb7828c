/**
 * Which block of a tensor each device holds under a sharding, as a grid: the
 * data behind the sharding pictures (drawSharding.ts). A dim split over mesh
 * axes is cut into as many blocks as those axes have devices, nested major
 * axis first exactly as `shardTensor` cuts it (the last ones short when the
 * split is uneven); devices that hold the same
 * block (replicas along the other axes) share one cell.
 */
import type { Dim } from "../tensor.ts";
import { blockOf as paddedBlockOf, splitAxesOf } from "./padding.ts";
import type { Sharding } from "./sharding.ts";

/** A half-open range `[start, end)` of one dim. */
export interface DimRange {
  readonly dim: string;
  readonly start: number;
  readonly end: number;
}

/** One cell of the grid: the block (a range of every split dim) and the devices that hold it. */
export interface ShardingCell {
  readonly row: number;
  readonly column: number;
  /** The range of each split dim this cell covers (dims that are not split are whole). */
  readonly ranges: readonly DimRange[];
  /** Device ids, ascending. */
  readonly devices: readonly number[];
}

/** The grid of one tensor's blocks. */
export interface ShardingGrid {
  /** The split dim drawn down the rows (undefined: one row). */
  readonly rowDim: string | undefined;
  /** The split dims drawn across the columns, in tensor order (empty: one column). */
  readonly columnDims: readonly string[];
  readonly rows: number;
  readonly columns: number;
  /** Every cell, row-major. */
  readonly cells: readonly ShardingCell[];
  /** Mesh axes on which the value is a pending reduction (never a param's or result's state). */
  readonly partialAxes: readonly string[];
}

/** Mesh axis sizes in mesh order, from a Mesh's `sizes` or a Meta's `mesh`. */
export type MeshSizes = Readonly<Record<string, number>>;

/** Device `device`'s coordinate on each axis (row-major over the axes in order, as `Mesh.coords`). */
function coordsOf(mesh: MeshSizes, device: number): Record<string, number> {
  const coords: Record<string, number> = {};
  let rest = device;
  for (const axis of Object.keys(mesh).reverse()) {
    const size = mesh[axis] ?? 1;
    coords[axis] = rest % size;
    rest = Math.floor(rest / size);
  }
  return coords;
}

/** The grid of blocks of a tensor with `dims` under `sharding` on `mesh`. */
export function shardingGrid(dims: readonly Dim[], sharding: Sharding, mesh: MeshSizes): ShardingGrid {
  const axesOf = new Map<string, string[]>();
  const partialAxes: string[] = [];
  const meshAxes = Object.entries(mesh).map(([name, size]) => ({ name, size }));
  for (const axis of Object.keys(mesh)) {
    const state = sharding[axis];
    if (state?.kind === "split" && !axesOf.has(state.dim)) axesOf.set(state.dim, splitAxesOf(state.dim, sharding, meshAxes).map((entry) => entry.name));
    if (state?.kind === "partial") partialAxes.push(axis);
  }
  const splitDims = dims.filter((dim) => axesOf.has(dim.name));
  const partsOf = (dim: string): number => (axesOf.get(dim) ?? []).reduce((product, axis) => product * (mesh[axis] ?? 1), 1);
  // One split dim: down the rows if it is the first dim of a tensor of two or more (a batch), else across the columns (a vector, a weight's output dim).
  const firstOfSeveral = splitDims.length === 1 && dims.length >= 2 && splitDims[0]?.name === dims[0]?.name;
  const rowDim = splitDims.length >= 2 || firstOfSeveral ? splitDims[0]?.name : undefined;
  const columnDims = splitDims.map((dim) => dim.name).filter((name) => name !== rowDim);
  const rows = rowDim === undefined ? 1 : partsOf(rowDim);
  const columns = columnDims.reduce((product, dim) => product * partsOf(dim), 1);
  const deviceCount = Object.values(mesh).reduce((product, size) => product * size, 1);
  const cells = new Map<string, { row: number; column: number; ranges: DimRange[]; devices: number[] }>();
  for (let device = 0; device < deviceCount; device++) {
    const coords = coordsOf(mesh, device);
    const blockOf = (dim: string): number => (axesOf.get(dim) ?? []).reduce((index, axis) => index * (mesh[axis] ?? 1) + (coords[axis] ?? 0), 0);
    const row = rowDim === undefined ? 0 : blockOf(rowDim);
    const column = columnDims.reduce((index, dim) => index * partsOf(dim) + blockOf(dim), 0);
    const key = `${row},${column}`;
    const cell = cells.get(key);
    if (cell !== undefined) {
      cell.devices.push(device);
      continue;
    }
    // an uneven split's short blocks end at the end of the dim (padding.ts); a block of only padding is empty
    const ranges = splitDims.map((dim) => {
      const block = paddedBlockOf(dim.size, (axesOf.get(dim.name) ?? []).map((name) => ({ name, size: mesh[name] ?? 1 })), coords);
      return { dim: dim.name, start: block.offset, end: block.offset + block.valid };
    });
    cells.set(key, { row, column, ranges, devices: [device] });
  }
  const ordered = [...cells.values()].sort((a, b) => a.row - b.row || a.column - b.column);
  return { rowDim, columnDims, rows, columns, cells: ordered, partialAxes };
}
