/**
 * `npm run bench`: runs every benchmark section in turn and prints its table.
 * Budgets are measured here, never in timed tests (docs/architecture.md, Budgets).
 *
 * To add a section, write `bench/<name>.ts` exporting a {@link BenchSection}
 * (import this type with `import type`) and add it to `sections` below.
 * `npm run bench -- typecheck` runs only the sections whose name contains one of
 * the given words.
 */
import { pathToFileURL } from "node:url";
import { buildTimeSection } from "./buildTime.ts";
import { cliStartupSection } from "./cliStartup.ts";
import { trainBuildTimeSection } from "./trainBuildTime.ts";
import { examplesSection } from "./examples.ts";
import { fidelitySection } from "./fidelity.ts";
import { megatronPipelineSection } from "./megatronPipeline.ts";
import { planScaleSection } from "./planScale.ts";
import { simulateSpeedSection } from "./simulateSpeed.ts";
import { torchSection } from "./torch.ts";
import { typecheckSection } from "./typecheck.ts";

/** One part of the benchmark: a name, a line saying what it measures, and the run. */
export interface BenchSection {
  readonly name: string;
  readonly description: string;
  /** Measure, and return the lines to print (a Markdown table is best). */
  run(): Promise<string[]> | string[];
}

/** Every section, in the order they run. */
export const sections: readonly BenchSection[] = [typecheckSection, buildTimeSection, trainBuildTimeSection, examplesSection, torchSection, cliStartupSection, fidelitySection, simulateSpeedSection, planScaleSection, megatronPipelineSection];

/** Run the sections whose name contains one of `filters` (all when empty); print as they finish. */
export async function runBench(filters: readonly string[]): Promise<void> {
  const chosen = sections.filter((section) => filters.length === 0 || filters.some((word) => section.name.includes(word)));
  if (chosen.length === 0) {
    const names = sections.map((section) => section.name).join(", ");
    throw new Error(`No bench section matches ${filters.join(" ")}. The sections are: ${names}.`);
  }
  for (const section of chosen) {
    console.log(`\n## ${section.name}\n\n${section.description}\n`);
    const started = performance.now();
    for (const line of await section.run()) console.log(line);
    console.log(`\n(${section.name}: ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runBench(process.argv.slice(2));
}
