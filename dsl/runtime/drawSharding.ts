/**
 * Pictures of how a tensor is split over a mesh, in the manner of JAX's
 * `jax.debug.visualize_array_sharding`: a grid with one cell per block of the
 * tensor (rows: the blocks of one split dim, columns: those of the others),
 * each cell naming the devices that hold it and the ranges it covers. As text
 * for a terminal (box drawing, a background colour per block when colour is
 * on) and as SVG.
 *
 * @example
 * console.log(drawSharding({ model: 4 }, { model: split("d_ff") }, [{ name: "d_model", size: 16 }, { name: "d_ff", size: 64 }], "up.w"));
 * // up.w [d_model=16 d_ff=64]: d_ff split over model (4)
 * // ┌───────────┬────────────┬────────────┬────────────┐
 * // │   dev 0   │   dev 1    │   dev 2    │   dev 3    │
 * // │ d_ff 0:16 │ d_ff 16:32 │ d_ff 32:48 │ d_ff 48:64 │
 * // └───────────┴────────────┴────────────┴────────────┘
 */
import { splitAxesOf } from "./padding.ts";
import type { Dim } from "../tensor.ts";
import { metaLeaves, type ProgramMeta } from "./programMeta.ts";
import type { Sharding } from "./sharding.ts";
import { shardingGrid, type MeshSizes, type ShardingCell, type ShardingGrid } from "./shardingBlocks.ts";

/** `0-3`, `0,2`, `1`: a list of device ids, runs of three or more joined. */
export function formatDevices(devices: readonly number[]): string {
  const parts: string[] = [];
  for (let index = 0; index < devices.length; ) {
    let end = index;
    while (end + 1 < devices.length && devices[end + 1] === (devices[end] ?? 0) + 1) end++;
    const first = devices[index];
    const last = devices[end];
    parts.push(end - index >= 2 ? `${first}-${last}` : devices.slice(index, end + 1).join(","));
    index = end + 1;
  }
  return parts.join(",");
}

/** The lines of one cell: its devices, then the range of each split dim. */
function cellLines(cell: ShardingCell): string[] {
  return [`dev ${formatDevices(cell.devices)}`, ...cell.ranges.map((range) => `${range.dim} ${range.start}:${range.end}`)];
}

/** `d_ff split over model (4); replicated over data (2)`: the heading's summary. */
export function describeSplit(dims: readonly Dim[], sharding: Sharding, mesh: MeshSizes): string {
  const splitAxes = new Map<string, string[]>();
  const replicatedAxes: string[] = [];
  const partialAxes: string[] = [];
  for (const [axis, size] of Object.entries(mesh)) {
    const state = sharding[axis];
    if (state?.kind === "split") {
      // major axis first, as the split nests them
      if (!splitAxes.has(state.dim)) splitAxes.set(state.dim, splitAxesOf(state.dim, sharding, Object.entries(mesh).map(([name, axisSize]) => ({ name, size: axisSize }))).map((entry) => entry.name));
    }
    else if (state?.kind === "partial") partialAxes.push(`partial(${state.reduce}) over ${axis} (${size})`);
    else replicatedAxes.push(`${axis} (${size})`);
  }
  const splits = [...splitAxes].map(([dim, axes]) => `${dim} split over ${axes.join(" x ")} (${axes.reduce((product, axis) => product * (mesh[axis] ?? 1), 1)})`);
  const parts = [...splits, ...partialAxes];
  if (replicatedAxes.length > 0) parts.push(`${splits.length + partialAxes.length === 0 ? "whole on every device: replicated" : "replicated"} over ${replicatedAxes.join(", ")}`);
  return parts.join("; ") || (dims.length === 0 ? "a scalar on one device" : "whole on the one device");
}

/** Options of the pictures. */
export interface DrawOptions {
  /** Background colour per block (ANSI 256 colours); default off. */
  readonly color?: boolean;
}

/** 256-colour backgrounds for blocks, light enough for black text (and the same hues as the SVG fills). */
const terminalPalette = [153, 217, 157, 223, 183, 159, 229, 189, 195, 224, 193, 225];
/** The SVG fills of the same blocks. */
const svgPalette = ["#afd7ff", "#ffafaf", "#afffaf", "#ffd7af", "#d7afff", "#afffff", "#ffffaf", "#d7d7ff", "#d7ffff", "#ffd7d7", "#d7ffaf", "#ffd7ff"];

function center(text: string, width: number): string {
  const left = Math.floor((width - text.length) / 2);
  return `${" ".repeat(left)}${text}${" ".repeat(width - text.length - left)}`;
}

/** The heading of one picture: `title [dims]: summary`. */
function heading(title: string | undefined, dims: readonly Dim[], sharding: Sharding, mesh: MeshSizes): string {
  const shape = `[${dims.map((dim) => `${dim.name}=${dim.size}`).join(" ")}]`;
  return `${title === undefined ? "" : `${title} `}${shape}: ${describeSplit(dims, sharding, mesh)}`;
}

/** The grid as box-drawing text. */
function drawGrid(grid: ShardingGrid, color: boolean): string[] {
  const lines = grid.cells.map(cellLines);
  const height = Math.max(...lines.map((cell) => cell.length));
  const widths = Array.from({ length: grid.columns }, (_, column) =>
    Math.max(...grid.cells.flatMap((cell, index) => (cell.column === column ? (lines[index] ?? []).map((line) => line.length + 2) : [0]))));
  const border = (left: string, middle: string, right: string): string => `${left}${widths.map((width) => "─".repeat(width)).join(middle)}${right}`;
  const out = [border("┌", "┬", "┐")];
  for (let row = 0; row < grid.rows; row++) {
    for (let line = 0; line < height; line++) {
      const cells = widths.map((width, column) => {
        const index = grid.cells.findIndex((cell) => cell.row === row && cell.column === column);
        const text = center((lines[index] ?? [])[line] ?? "", width);
        const colour = terminalPalette[index % terminalPalette.length] ?? 153;
        return color ? `\u001b[48;5;${colour}m\u001b[38;5;16m${text}\u001b[0m` : text;
      });
      out.push(`│${cells.join("│")}│`);
    }
    if (row < grid.rows - 1) out.push(border("├", "┼", "┤"));
  }
  out.push(border("└", "┴", "┘"));
  return out;
}

/**
 * The picture of a tensor with `dims` under `sharding` on a mesh of `mesh`
 * (axis sizes in mesh order): a heading, then the grid of its blocks.
 */
export function drawSharding(mesh: MeshSizes, sharding: Sharding, dims: readonly Dim[], title?: string, options: DrawOptions = {}): string {
  const grid = shardingGrid(dims, sharding, mesh);
  return [heading(title, dims, sharding, mesh), ...drawGrid(grid, options.color === true)].join("\n");
}

/** The picture of every parameter leaf and result leaf of a compiled program, from its `<name>Meta`. */
export function drawProgramSharding(meta: ProgramMeta, options: DrawOptions = {}): string {
  const mesh = Object.entries(meta.mesh).map(([axis, size]) => `${axis}=${size}`).join(" ");
  const leaves = [...meta.params.flatMap((param) => metaLeaves(param.tree, param.name)), ...metaLeaves(meta.result, "result")];
  const pictures = leaves.map(({ path, leaf }) => drawSharding(meta.mesh, leaf.sharding, leaf.dims, path, options));
  return [`${meta.name} on mesh [${mesh}], layout "${meta.layout}"`, "", ...pictures.flatMap((picture) => [picture, ""])].join("\n");
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** One tensor's picture as SVG elements at vertical offset `top`; its elements and height. */
function svgPicture(title: string, dims: readonly Dim[], sharding: Sharding, mesh: MeshSizes, top: number): { elements: string[]; height: number; width: number } {
  const grid = shardingGrid(dims, sharding, mesh);
  const lines = grid.cells.map(cellLines);
  const lineHeight = 16;
  const cellHeight = Math.max(...lines.map((cell) => cell.length)) * lineHeight + 12;
  const cellWidth = Math.max(96, ...lines.flat().map((line) => line.length * 7.5 + 16));
  const head = heading(title, dims, sharding, mesh);
  const elements = [`<text x="8" y="${top + 16}" font-weight="bold">${escapeXml(head)}</text>`];
  const gridTop = top + 26;
  grid.cells.forEach((cell, index) => {
    const x = 8 + cell.column * cellWidth;
    const y = gridTop + cell.row * cellHeight;
    elements.push(`<rect x="${x}" y="${y}" width="${cellWidth}" height="${cellHeight}" fill="${svgPalette[index % svgPalette.length] ?? "#afd7ff"}" stroke="#333"/>`);
    (lines[index] ?? []).forEach((line, position) => {
      elements.push(`<text x="${x + cellWidth / 2}" y="${y + 18 + position * lineHeight}" text-anchor="middle">${escapeXml(line)}</text>`);
    });
  });
  return { elements, height: 26 + grid.rows * cellHeight + 24, width: Math.max(16 + grid.columns * cellWidth, head.length * 8.2 + 16) };
}

/** Pictures of several tensors of one mesh, stacked, as one standalone SVG document. */
export function shardingSvg(mesh: MeshSizes, tensors: readonly { readonly title: string; readonly dims: readonly Dim[]; readonly sharding: Sharding }[], caption?: string): string {
  const elements: string[] = [];
  let top = 0;
  let width = 320;
  if (caption !== undefined) {
    elements.push(`<text x="8" y="20" font-size="15" font-weight="bold">${escapeXml(caption)}</text>`);
    top = 32;
  }
  for (const tensor of tensors) {
    const picture = svgPicture(tensor.title, tensor.dims, tensor.sharding, mesh, top);
    elements.push(...picture.elements);
    top += picture.height;
    width = Math.max(width, picture.width, (caption ?? "").length * 9 + 16);
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${Math.ceil(width)}" height="${Math.ceil(top)}" font-family="monospace" font-size="13">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...elements.map((element) => `  ${element}`),
    "</svg>",
    "",
  ].join("\n");
}

/** Every parameter leaf and result leaf of a compiled program as one SVG, from its `<name>Meta`. */
export function programShardingSvg(meta: ProgramMeta): string {
  const leaves = [...meta.params.flatMap((param) => metaLeaves(param.tree, param.name)), ...metaLeaves(meta.result, "result")];
  const mesh = Object.entries(meta.mesh).map(([axis, size]) => `${axis}=${size}`).join(" ");
  return shardingSvg(meta.mesh, leaves.map(({ path, leaf }) => ({ title: path, dims: leaf.dims, sharding: leaf.sharding })), `${meta.name} on mesh [${mesh}], layout "${meta.layout}"`);
}
