/**
 * Measuring `meshtype build` over a series of model sizes: write each
 * generated model under `.bench-tmp/<folder>/`, compile it (no type check),
 * keep the best of a few builds, and print one table row per size with the
 * time per layer past the first row, which stays flat when growth is linear.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { compileFiles, formatDiagnostic } from "../compiler/index.ts";

const root = resolve(import.meta.dirname, "..");

/** What one build gives: its seconds, and the top-level ops and collectives of the device program. */
export interface BuildFigures {
  readonly seconds: number;
  readonly ops: number;
  readonly collectives: number;
}

/** Compile `source`, written to `.bench-tmp/<folder>/<name>.ts`; a user error in it is a bench bug and throws. */
export function measureBuild(folder: string, name: string, source: string): BuildFigures {
  const workDir = join(root, ".bench-tmp", folder);
  mkdirSync(workDir, { recursive: true });
  const file = join(workDir, `${name}.ts`);
  writeFileSync(file, source);
  const started = performance.now();
  const result = compileFiles([file], { rootDir: root, typeCheck: false });
  const seconds = (performance.now() - started) / 1000;
  if (result.diagnostics.length > 0) {
    throw new Error(`The generated model ${name} did not compile:\n${result.diagnostics.map(formatDiagnostic).join("\n")}`);
  }
  const lowered = result.files[0]?.programs[0]?.lowered;
  const module = result.files[0]?.module ?? "";
  return { seconds, ops: lowered?.body.length ?? 0, collectives: (module.match(/await ctx\.\w+\(/g) ?? []).length };
}

/**
 * The table for `counts` layers: one warm-up build (the first ts-morph load
 * also compiles TypeScript's library files), then the best of `tries` builds
 * per size, and a closing line comparing the time per layer at the largest
 * size with the second row's.
 */
export function buildSeriesTable(counts: readonly number[], build: (layers: number) => BuildFigures, tries = 3): string[] {
  build(counts[0]);
  const rows = counts.map((layers) => {
    const runs = Array.from({ length: tries }, () => build(layers));
    return { layers, ...runs.reduce((best, run) => (run.seconds < best.seconds ? run : best)) };
  });
  const base = rows[0];
  const slopes = rows.slice(1).map((row) => ((row.seconds - base.seconds) * 1000) / (row.layers - base.layers));
  const lines = [
    `| layers | build (s) | ms per layer past N=${base.layers} | device ops (top level) | collectives emitted |`,
    "| ---: | ---: | ---: | ---: | ---: |",
  ];
  rows.forEach((row, index) => {
    const slope = index === 0 ? "" : slopes[index - 1].toFixed(1);
    lines.push(`| ${row.layers} | ${row.seconds.toFixed(2)} | ${slope} | ${row.ops} | ${row.collectives} |`);
  });
  // Linear growth gives the same time per layer past the first row at every size.
  const ratio = slopes[slopes.length - 1] / slopes[0];
  const verdict = ratio < 1.5 ? "about linear" : "growing faster than linear";
  lines.push("", `Time per layer past N=${base.layers}, largest row over second: ${ratio.toFixed(2)} (${verdict}).`);
  return lines;
}
