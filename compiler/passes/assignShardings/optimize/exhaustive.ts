/**
 * Exhaustive search over a plan graph: every combination of candidates,
 * scored from the graph alone (planSeconds: node costs plus every edge's
 * conversion, nothing folded). The reference the ILP must agree with on
 * graphs small enough to enumerate.
 */
import { planSeconds } from "./ilp.ts";
import type { PlanGraph } from "./planGraph.ts";
import type { PlanCosts } from "./planCosts.ts";

/** The least objective over all combinations (and one choice that reaches it), or undefined when none is feasible. Throws when there are more than `limit` combinations. */
export function exhaustivePlan(graph: PlanGraph, costs: PlanCosts, memoryLimit = Infinity, limit = 200_000): { choice: number[]; seconds: number } | undefined {
  const counts = graph.nodes.map((node) => node.candidates.length);
  const total = counts.reduce((product, count) => product * count, 1);
  if (total > limit) throw new Error(`exhaustivePlan: ${total} combinations (more than ${limit})`);
  let best: { choice: number[]; seconds: number } | undefined;
  const choice = counts.map(() => 0);
  for (let step = 0; step < total; step++) {
    const seconds = planSeconds(graph, costs, choice, memoryLimit);
    if (seconds !== undefined && (best === undefined || seconds < best.seconds)) best = { choice: [...choice], seconds };
    for (let node = 0; node < counts.length; node++) {
      choice[node]++;
      if (choice[node] < counts[node]) break;
      choice[node] = 0;
    }
  }
  return best;
}
