/**
 * Bench section "cli startup": how long `meshtype --version` and
 * `meshtype --help` take as a new process (node bin/meshtype.mjs), best and
 * median of 10. `--version` is answered from package.json before the compiler
 * loads (target: under 0.3 s); `--help` loads the command table, i.e. the compiler.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import type { BenchSection } from "./run.ts";

const repo = path.resolve(import.meta.dirname, "..");
const bin = path.join(repo, "bin/meshtype.mjs");

function seconds(args: readonly string[]): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: repo, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`meshtype ${args.join(" ")} exited ${result.status}: ${result.stderr}`);
  return (performance.now() - started) / 1000;
}

/** The section. */
export const cliStartupSection: BenchSection = {
  name: "cli startup",
  description: "Wall time of a new `node bin/meshtype.mjs` process, 10 runs each (target for --version: under 0.3 s).",
  run() {
    const lines = ["| command | best (s) | median (s) |", "| --- | --- | --- |"];
    for (const args of [["--version"], ["--help"]]) {
      const times = Array.from({ length: 10 }, () => seconds(args)).sort((a, b) => a - b);
      lines.push(`| meshtype ${args.join(" ")} | ${(times[0] ?? 0).toFixed(3)} | ${(times[5] ?? 0).toFixed(3)} |`);
    }
    return lines;
  },
};
