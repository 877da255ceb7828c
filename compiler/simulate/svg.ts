/**
 * The simulated timeline as an SVG picture, with no browser needed: one row
 * per stream (compute, communication), a bar per task coloured by what it is
 * (matmul, memory-bound kernel, lookup, each collective kind), collectives
 * labelled where their bar is wide enough, a time axis and a legend. Bars
 * narrower than a pixel are merged with their neighbours of the same colour
 * so a step of 10^5 tasks stays a small file.
 */
import type { Schedule } from "./schedule.ts";
import { formatSeconds } from "./report.ts";
import type { TaskGraph } from "./taskGraph.ts";
import { categoryOf, type TaskCategory } from "./trace.ts";

const colours: Readonly<Record<TaskCategory, string>> = {
  matmul: "#4c78a8",
  memory: "#f58518",
  lookup: "#54a24b",
  allReduce: "#e45756",
  allGather: "#b279a2",
  reduceScatter: "#9d755d",
  allToAll: "#ff9da6",
  collectivePermute: "#79706e",
};

const labels: Readonly<Record<TaskCategory, string>> = {
  matmul: "matmul (einsum, conv)",
  memory: "memory-bound kernel",
  lookup: "lookup / scatter-add",
  allReduce: "all-reduce",
  allGather: "all-gather",
  reduceScatter: "reduce-scatter",
  allToAll: "all-to-all",
  collectivePermute: "collective-permute",
};

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A round step for the time axis: 1, 2 or 5 times a power of ten, about `span / 8`. */
function tickStep(span: number): number {
  const rough = span / 8;
  const power = 10 ** Math.floor(Math.log10(rough));
  return [1, 2, 5, 10].map((factor) => factor * power).find((step) => step >= rough) ?? 10 * power;
}

/** The SVG of a simulated step; `width` in pixels. */
export function timelineSvg(graph: TaskGraph, schedule: Schedule, width = 1200): string {
  const left = 110;
  const right = 20;
  const rowHeight = 34;
  const top = 46;
  const plot = width - left - right;
  const span = schedule.makespan > 0 ? schedule.makespan : 1;
  const x = (seconds: number): number => left + (seconds / span) * plot;
  const rows = ["compute", "communication"];
  const bars: string[] = [];
  const text: string[] = [];
  for (let row = 0; row < 2; row++) {
    let pending: { from: number; to: number; category: TaskCategory; title: string } | undefined;
    const flush = (): void => {
      if (!pending) return;
      const y = top + row * (rowHeight + 10);
      const barWidth = Math.max(0.5, x(pending.to) - x(pending.from));
      bars.push(`<rect x="${x(pending.from).toFixed(2)}" y="${y}" width="${barWidth.toFixed(2)}" height="${rowHeight}" fill="${colours[pending.category]}"><title>${escape(pending.title)}</title></rect>`);
      if (row === 1 && barWidth > 70) {
        text.push(`<text x="${(x(pending.from) + 3).toFixed(2)}" y="${y + rowHeight / 2 + 4}" font-size="10" fill="#fff">${escape(pending.title.split(" @")[0].slice(0, Math.floor(barWidth / 6)))}</text>`);
      }
      pending = undefined;
    };
    for (let task = 0; task < graph.size; task++) {
      const entry = graph.entries[graph.entryOf[task]];
      if ((entry.kind === "collective" ? 1 : 0) !== row) continue;
      const category = categoryOf(entry);
      const from = schedule.start[task];
      const to = schedule.end[task];
      const tiny = x(to) - x(from) < 1;
      const title = `${entry.label} @ ${entry.loc.file}:${entry.loc.line} ${entry.localShape} ${formatSeconds(graph.seconds[task])}`;
      if (pending && tiny && pending.category === category && x(from) - x(pending.to) < 1 && x(pending.to) - x(pending.from) < 3) {
        pending.to = to;
        continue;
      }
      flush();
      pending = { from, to, category, title };
    }
    flush();
  }
  const ticks: string[] = [];
  const step = tickStep(span);
  const axisY = top + 2 * (rowHeight + 10);
  for (let at = 0; at <= span * 1.0001; at += step) {
    ticks.push(`<line x1="${x(at).toFixed(2)}" y1="${top - 4}" x2="${x(at).toFixed(2)}" y2="${axisY}" stroke="#ddd"/>`);
    ticks.push(`<text x="${x(at).toFixed(2)}" y="${axisY + 14}" font-size="10" text-anchor="middle" fill="#333">${escape(formatSeconds(at))}</text>`);
  }
  const used = new Set<TaskCategory>(graph.entries.map(categoryOf));
  const legend = (Object.keys(colours) as TaskCategory[]).filter((category) => used.has(category));
  const legendY = axisY + 34;
  const legendItems = legend.map((category, index) => {
    const lx = left + index * 150;
    return `<rect x="${lx}" y="${legendY - 9}" width="10" height="10" fill="${colours[category]}"/><text x="${lx + 14}" y="${legendY}" font-size="11" fill="#333">${escape(labels[category])}</text>`;
  });
  const height = legendY + 16;
  const mesh = graph.program.mesh.map((axis) => `${axis.name}=${axis.size}`).join(" ");
  const title = `${graph.program.name}  [${mesh}]  ${graph.dtype}  on ${graph.cluster.name}: step ${formatSeconds(schedule.makespan)}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${left}" y="20" font-size="13" fill="#111">${escape(title)}</text>`,
    ...rows.map((name, row) => `<text x="${left - 8}" y="${top + row * (rowHeight + 10) + rowHeight / 2 + 4}" font-size="12" text-anchor="end" fill="#111">${name}</text>`),
    ...ticks,
    ...bars,
    ...text,
    ...legendItems,
    "</svg>",
    "",
  ].join("\n");
}
