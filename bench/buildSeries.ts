/**
 * Measuring `meshtype build` over a series of model sizes: write each
 * generated model under `.bench-tmp/<folder>/`, compile it (no type check),
 * keep the best of a few builds, and print one table row per size with the
 * time per layer past the first row, which stays flat when growth is linear.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { compileFiles, formatDiagnostic } from "../compiler/index.ts";
import type { Block } from "../compiler/ir/ir.ts";
import { isLoop } from "../compiler/ir/opAttrs.ts";

const root = resolve(import.meta.dirname, "..");

/** What one build gives: its seconds, the device program's statements (params excluded) and collectives, and the module's lines. */
export interface BuildFigures {
  readonly seconds: number;
  /** CPU seconds of this process during the build (user + system, GC threads included): less moved by other work on a shared machine than the wall time. */
  readonly cpuSeconds: number;
  /** Ops and loops of the device program, loop bodies included, `param` ops excluded (one per weight: they grow with the layers). */
  readonly ops: number;
  /** Collective calls written in the generated module. */
  readonly collectives: number;
  /** Lines of the generated TypeScript module. */
  readonly lines: number;
}

function countStatements(block: Block): number {
  return block.reduce((total, statement) => total + (isLoop(statement) ? 1 + countStatements(statement.body) : statement.op === "param" ? 0 : 1), 0);
}

/** Compile `source`, written to `.bench-tmp/<folder>/<name>.ts`; a user error in it is a bench bug and throws. */
export function measureBuild(folder: string, name: string, source: string): BuildFigures {
  const workDir = join(root, ".bench-tmp", folder);
  mkdirSync(workDir, { recursive: true });
  const file = join(workDir, `${name}.ts`);
  writeFileSync(file, source);
  const started = performance.now();
  const cpu = process.cpuUsage();
  const result = compileFiles([file], { rootDir: root, typeCheck: false });
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  if (result.diagnostics.length > 0) {
    throw new Error(`The generated model ${name} did not compile:\n${result.diagnostics.map(formatDiagnostic).join("\n")}`);
  }
  const lowered = result.files[0]?.programs[0]?.lowered;
  const module = result.files[0]?.module ?? "";
  return { seconds, cpuSeconds, ops: lowered ? countStatements(lowered.body) : 0, collectives: (module.match(/await ctx\.\w+\(/g) ?? []).length, lines: module.split("\n").length };
}

/** The best of `tries` builds per size, after one warm-up build (the first ts-morph load also compiles TypeScript's library files). */
function measureSeries(counts: readonly number[], build: (layers: number) => BuildFigures, tries: number): (BuildFigures & { layers: number })[] {
  build(counts[0]);
  return counts.map((layers) => {
    const runs = Array.from({ length: tries }, () => build(layers));
    const best = runs.reduce((fastest, run) => (run.seconds < fastest.seconds ? run : fastest));
    return { layers, ...best, cpuSeconds: Math.min(...runs.map((run) => run.cpuSeconds)) };
  });
}

/**
 * The table for `counts` layers of a model whose build grows with them (N explicit blocks): the
 * best of `tries` builds per size and a closing line comparing the time per layer at the largest
 * size with the second row's.
 */
export function buildSeriesTable(counts: readonly number[], build: (layers: number) => BuildFigures, tries = 3): string[] {
  const rows = measureSeries(counts, build, tries);
  const base = rows[0];
  const slopes = rows.slice(1).map((row) => ((row.seconds - base.seconds) * 1000) / (row.layers - base.layers));
  const lines = [
    `| layers | build (s) | ms per layer past N=${base.layers} | device ops (params excluded) | collectives emitted |`,
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

/** A build within this factor of the smallest row's time counts as flat (the machine is shared: runs vary by some 10-20%). */
export const flatTolerance = 1.25;

/**
 * The table for `counts` layers of a model whose layers are one loop (the build should not grow):
 * the best of `tries` builds per size, and a verdict from the figures: "flat" when the largest
 * row builds within `flatTolerance` of the smallest one's time and the device program and the
 * module have the same size at every row, else "grows" (saying what grew).
 */
export function flatSeriesTable(counts: readonly number[], build: (layers: number) => BuildFigures, tries = 3): string[] {
  const rows = measureSeries(counts, build, tries);
  const [first] = rows;
  const last = rows[rows.length - 1];
  const lines = [
    "| layers | build (s) | / smallest | CPU (s) | / smallest | device ops (params excluded) | collectives emitted | module lines |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows.map((row) => `| ${row.layers} | ${row.seconds.toFixed(2)} | ${(row.seconds / first.seconds).toFixed(2)} | ${row.cpuSeconds.toFixed(2)} | ${(row.cpuSeconds / first.cpuSeconds).toFixed(2)} | ${row.ops} | ${row.collectives} | ${row.lines} |`),
  ];
  const grew: string[] = [];
  const ratio = last.seconds / first.seconds;
  if (ratio >= flatTolerance) grew.push(`build time x${ratio.toFixed(2)}`);
  for (const key of ["ops", "collectives", "lines"] as const) if (rows.some((row) => row[key] !== first[key])) grew.push(`${key} ${first[key]} -> ${last[key]}`);
  const verdict = grew.length === 0 ? "flat" : `grows (${grew.join(", ")})`;
  lines.push("", `${first.layers} to ${last.layers} layers: ${verdict} (flat: the largest build within x${flatTolerance} of the smallest, and the same ops, collectives and module lines).`);
  lines.push(`CPU time (best of ${tries}, the process's user + system seconds): x${(last.cpuSeconds / first.cpuSeconds).toFixed(2)} from ${first.layers} to ${last.layers} layers.`);
  return lines;
}
