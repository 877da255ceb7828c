/**
 * Where pending sums are reduced, decided for the whole program at once.
 *
 * An einsum over a split dim leaves a pending sum (partial) on an axis, and
 * linear ops (add of two pending sums, mul by a replicated value, a sum over
 * a dim, reshapes) keep it pending. Reducing lazily, at each consumer that
 * needs the value whole, reduces one pending value once per consumer path: a
 * partial residual stream read by a norm, by the next projection and by the
 * residual add is reduced three times where Megatron-LM reduces it once.
 *
 * Per mesh axis, the pending values and the linear ops between them form a
 * graph from the ops that make a pending sum (sources) to the reads that need
 * it reduced (sinks). Every source-to-sink path must be reduced somewhere on
 * it; reducing a value costs its local bytes (twice for an all-reduce, once
 * for a reduce-scatter), times the runs of its loop. The cheapest set of
 * values to reduce is a minimum vertex cut of that graph (minCut.ts), taken
 * closest to the sinks, so where lazy reduction is already cheapest nothing
 * changes. Every value of the cut is then held reduced (forwardPlan.ts), so
 * all its consumers read the one reduced copy: the state its reads agree on
 * (a split, by reduce-scatter), else replicated.
 *
 * The items a loop yields are their body value, per iteration: they are not
 * nodes of their own, their reads count as reads of the body value, and a
 * loop that indexes them reads that value (a layer's pending gradient,
 * yielded by the backward loop and read by the update loop, is one path).
 */
import type { AxisState, Program, Sharding, ValueId } from "../../ir/ir.ts";
import { localDimsOf, replicatedState, sameState } from "../../ir/sharding.ts";
import type { ForwardPlan, Read } from "./forwardPlan.ts";
import { minimumVertexCut } from "./minCut.ts";

/** A pending sum to hold reduced: on `axis`, in `state`. */
export interface Reduction {
  readonly value: ValueId;
  readonly axis: string;
  readonly state: AxisState;
}

const isPartial = (state: AxisState | undefined): boolean => state?.kind === "partial";

/** The reductions the forward plan should hold that it does not yet (empty when the plan reduces every pending sum at its cheapest point). */
export function placeReductions(program: Program, plan: ForwardPlan): Reduction[] {
  return program.mesh.flatMap((axis) => placeOnAxis(program, plan, axis.name));
}

function placeOnAxis(program: Program, plan: ForwardPlan, axis: string): Reduction[] {
  const nodes: ValueId[] = [];
  const index = new Map<ValueId, number>();
  for (const [id, held] of plan.held) {
    if (!isPartial(held.sharding[axis]) || plan.yielded.has(id)) continue;
    index.set(id, nodes.length);
    nodes.push(id);
  }
  if (nodes.length === 0) return [];
  // A yielded item stands for its body value; its reads are that value's.
  const canonical = (id: ValueId): ValueId => plan.yielded.get(id) ?? id;
  // Only the pending values' reads matter; a body value's list gathers its items' reads (pushed, not copied per item).
  const reads = new Map<ValueId, Read[]>();
  for (const [input, list] of plan.reads) {
    const key = canonical(input);
    if (!index.has(key)) continue;
    let merged = reads.get(key);
    if (merged === undefined) reads.set(key, (merged = []));
    for (const read of list) if (read.by === "loop" || read.by === "result" || canonical(read.by) !== key) merged.push(read);
  }
  const edges: [number, number][] = [];
  const hasInput = new Set<number>();
  for (const [input, list] of reads) {
    const from = index.get(input);
    if (from === undefined) continue;
    for (const read of list) {
      if (typeof read.by !== "number" || !isPartial(read.sharding[axis])) continue;
      const to = index.get(canonical(read.by));
      if (to === undefined || !isPartial((plan.ops.get(read.by)?.output ?? plan.held.get(read.by)?.sharding)?.[axis])) continue;
      edges.push([from, to]);
      hasInput.add(to);
    }
  }
  const readsOf = (id: ValueId): readonly Read[] => reads.get(id) ?? [];
  const needsReduced = (read: Read): boolean => !isPartial(read.sharding[axis]);
  const sinks = nodes.map((id, node) => (readsOf(id).some(needsReduced) ? node : -1)).filter((node) => node >= 0);
  if (sinks.length === 0) return [];
  const sources = nodes.map((_, node) => node).filter((node) => !hasInput.has(node));
  const capacity = nodes.map((id) => reductionCost(program, plan, id, axis));
  const cut = minimumVertexCut({ capacity, edges, sources, sinks });
  const found: Reduction[] = [];
  for (const node of cut.nodes) {
    const id = nodes[node];
    const all = readsOf(id);
    const wanted = all.filter(needsReduced).map((read) => read.sharding[axis]);
    const agreed = wanted.length > 0 && wanted.every((state) => sameState(state, wanted[0])) ? wanted[0] : undefined;
    // Lazy reduction already does this: every read needs the value reduced, all to one state.
    if (agreed !== undefined && wanted.length === all.length) continue;
    const held = plan.held.get(id)?.sharding ?? {};
    found.push({ value: id, axis, state: agreed !== undefined && canHold(held, axis, agreed) ? agreed : replicatedState });
  }
  return found;
}

/** Bytes a reduction of `id` on `axis` moves per call, up to the axis' common (n-1)/n factor: 2x (all-reduce), 1x when every read wants one split (reduce-scatter). */
function reductionCost(program: Program, plan: ForwardPlan, id: ValueId, axis: string): number {
  const value = program.values.get(id);
  const held = plan.held.get(id);
  if (value === undefined || held === undefined) return 0;
  const elements = localDimsOf(value.dims, held.sharding, program.mesh).reduce((product, dim) => product * dim.size, 1);
  const reads = plan.reads.get(id) ?? [];
  const scatter = reads.length > 0 && reads.every((read) => read.sharding[axis]?.kind === "split" && sameState(read.sharding[axis], reads[0].sharding[axis]));
  return (plan.runs.get(id) ?? 1) * elements * (scatter ? 1 : 2);
}

/** True when `held` can take `state` on `axis`: a split goes on the minor end of its dim's axes (its order is how many other axes split the dim). */
function canHold(held: Sharding, axis: string, state: AxisState): boolean {
  if (state.kind !== "split") return true;
  const others = Object.entries(held).filter(([other, current]) => other !== axis && current.kind === "split" && current.dim === state.dim);
  return others.length === (state.order ?? 0);
}
