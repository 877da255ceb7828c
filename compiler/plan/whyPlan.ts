/**
 * Why `meshtype plan` ranks its best plan above the user's binding: the
 * lines printed under the table. They compare the two rows as simulated on
 * the same cost model: the step time and where it goes (compute, and
 * communication the schedule does not hide), the bytes each kind of
 * collective moves per device, the peak memory against the limit, and what
 * the plan splits that the binding does not (and the reverse); for a
 * pipelined plan, its stages, micro-batches, schedule and bubble.
 */
import { parseLayout } from "../../dsl/parseLayout.ts";
import { formatBytes, formatSeconds } from "../simulate/report.ts";
import { formatMesh } from "./meshShapes.ts";
import type { PlanRow } from "./search.ts";

function rules(row: PlanRow): Set<string> {
  // an open layout's trailing `auto` is not a rule (parseLayout leaves it out)
  return new Set(parseLayout(row.layout).map((rule) => `${rule.dim}:${rule.axis}`));
}

function communication(row: PlanRow): string {
  const entries = Object.entries(row.communication);
  return entries.length === 0 ? "none" : entries.map(([kind, bytes]) => `${kind} ${formatBytes(bytes)}`).join(", ");
}

/** The explanation of `best` against `yours` (see the module comment), one finding per line. */
export function whyPlan(best: PlanRow, yours: PlanRow, memoryBytes: number): string[] {
  const lines: string[] = [];
  if (best.kind === "yours") return [`your binding is the fastest found: ${formatSeconds(best.stepSeconds)} per step, ${formatBytes(best.peakMemoryBytes)} per device`];
  const ratio = yours.stepSeconds / best.stepSeconds;
  const fitting = best.fits && !yours.fits ? `; yours needs ${formatBytes(yours.peakMemoryBytes)} per device, over the ${formatBytes(memoryBytes)} there is` : "";
  lines.push(`why the best plan: ${formatSeconds(best.stepSeconds)} per step against ${formatSeconds(yours.stepSeconds)} for yours (${ratio >= 1 ? `${ratio.toFixed(2)}x faster` : `${(1 / ratio).toFixed(2)}x slower, but it fits`})${fitting}`);
  lines.push(`  compute ${formatSeconds(best.computeSeconds)} against ${formatSeconds(yours.computeSeconds)}; communication not hidden by compute ${formatSeconds(best.exposedCommunicationSeconds)} against ${formatSeconds(yours.exposedCommunicationSeconds)}`);
  lines.push(`  bytes moved per device: ${communication(best)} (yours: ${communication(yours)})`);
  lines.push(`  peak memory ${formatBytes(best.peakMemoryBytes)} against ${formatBytes(yours.peakMemoryBytes)} per device`);
  const planned = rules(best);
  const written = rules(yours);
  const added = [...planned].filter((rule) => !written.has(rule));
  const dropped = [...written].filter((rule) => !planned.has(rule));
  const mesh = formatMesh(best.mesh) === formatMesh(yours.mesh) ? "on the same mesh" : `on mesh ${formatMesh(best.mesh)} (yours: ${formatMesh(yours.mesh)})`;
  lines.push(`  ${mesh}, it splits ${added.length === 0 ? "nothing more" : added.join(", ")}${dropped.length === 0 ? "" : ` and drops ${dropped.join(", ")}`}${best.weightUpdateSharding !== yours.weightUpdateSharding ? `; weight-update sharding ${best.weightUpdateSharding === undefined ? "off" : `over ${best.weightUpdateSharding}`} (yours: ${yours.weightUpdateSharding === undefined ? "off" : `over ${yours.weightUpdateSharding}`})` : ""}`);
  const pipeline = best.pipeline;
  if (pipeline !== undefined) {
    const stages = pipeline.stages.length;
    const layers = pipeline.stages.reduce((total, count) => total + count, 0);
    const equal = (stages - 1) / (pipeline.microbatches + stages - 1);
    lines.push(`  it pipelines the ${layers} layers over ${pipeline.axis}=${stages} (${pipeline.stages.join("/")} layers per stage, ${pipeline.microbatches} micro-batches, ${pipeline.schedule}): only activations and their gradients cross between stages; the bubble idles ${(100 * pipeline.bubbleFraction).toFixed(1)}% of the step (${stages - 1}/${pipeline.microbatches + stages - 1} = ${(100 * equal).toFixed(1)}% for equal stages and free transfers), counted above with the transfers and the update as not hidden by compute`);
  }
  return lines;
}
