/**
 * The per-axis plan of an op with several operands (element-wise ops, where,
 * einsum, concat, gather): on every mesh axis, either keep a pending partial
 * (when the op is linear in it), or choose at most one dim to stay split, in
 * this order of preference: the dim the layout splits the result on, then the
 * one dim the operands are split on. Operands that have the chosen dim are
 * brought to split(dim), the others to replicated. A chosen dim the result
 * does not have (an einsum's contracted dim) leaves the result partial(sum).
 * A dim may be chosen on several axes: where the target splits it over
 * several, or where an operand holds it so; the result and every operand
 * then rank its axes alike (the target's order, else the operand's).
 */
import type { MeshAxis } from "../../../dsl/mesh.ts";
import type { AxisState, Sharding } from "../../ir/ir.ts";
import { normalizeOrders, orderLike, replicatedState } from "../../ir/sharding.ts";

/** One operand as the planner sees it: its dim names and its current sharding. */
export interface PlanOperand {
  readonly dims: readonly string[];
  readonly sharding: Sharding;
}

/** The partial state an op keeps on an axis given its operands' states there, or undefined to reduce them first. */
export type KeepPartial = (states: readonly AxisState[]) => AxisState | undefined;

/** What the planner needs to know about the op. */
export interface PlanRequest {
  readonly operands: readonly PlanOperand[];
  readonly outDims: readonly string[];
  /** The sharding the layout asks for the result. */
  readonly outTarget: Sharding;
  readonly mesh: readonly MeshAxis[];
  /** Dims that cannot stay split through this op (concat's and gather's dim): they are gathered first. */
  readonly excluded?: ReadonlySet<string>;
  readonly keepPartial: KeepPartial;
}

/** The sharding each operand must be brought to, and the result's sharding. */
export interface OpPlan {
  readonly operands: readonly Sharding[];
  readonly output: Sharding;
}

/** The layout leaves a choice between several split dims on one axis. */
export interface AmbiguousPlan {
  readonly ambiguous: { readonly axis: string; readonly dims: readonly string[] };
}

/** Plan an op with one or more operands (see the module comment). */
export function planOperands(request: PlanRequest): OpPlan | AmbiguousPlan {
  const { operands, outDims, outTarget, mesh } = request;
  const excluded = request.excluded ?? new Set<string>();
  const operandStates: Record<string, AxisState>[] = operands.map(() => ({}));
  const output: Record<string, AxisState> = {};
  const chosen = new Map<string, string | undefined>();
  const used = new Set<string>();
  const candidates = new Map<string, string[]>();

  for (const { name: axis } of mesh) {
    const states = operands.map((operand) => operand.sharding[axis]);
    const kept = states.some((state) => state.kind === "partial") ? request.keepPartial(states) : undefined;
    if (kept) {
      output[axis] = kept;
      states.forEach((state, index) => (operandStates[index][axis] = state));
      continue;
    }
    const found = new Set<string>();
    for (const state of states) if (state.kind === "split") found.add(state.dim);
    const target = outTarget[axis];
    if (target?.kind === "split" && operands.some((operand) => operand.dims.includes(target.dim))) found.add(target.dim);
    candidates.set(axis, [...found].filter((dim) => !excluded.has(dim)));
  }
  // the target's splits first (a dim the target splits over several axes is chosen on each)
  for (const [axis, dims] of candidates) {
    const target = outTarget[axis];
    if (target?.kind === "split" && dims.includes(target.dim)) {
      chosen.set(axis, target.dim);
      used.add(target.dim);
    }
  }
  /** Some operand splits `dim` over `axis` and over another axis already chosen for `dim` (a split over several axes, kept whole). */
  const keepsStack = (dim: string, axis: string): boolean =>
    operands.some((operand) => {
      const state = operand.sharding[axis];
      if (state.kind !== "split" || state.dim !== dim) return false;
      return [...chosen].some(([other, chosenDim]) => other !== axis && chosenDim === dim && operand.sharding[other].kind === "split" && (operand.sharding[other] as { dim: string }).dim === dim);
    });
  for (const [axis, dims] of candidates) {
    if (chosen.has(axis)) continue;
    const free = dims.filter((dim) => !used.has(dim));
    if (free.length > 1) return { ambiguous: { axis, dims: free } };
    const dim = free[0] ?? dims.find((candidate) => keepsStack(candidate, axis));
    chosen.set(axis, dim);
    if (dim !== undefined) used.add(dim);
  }
  // one major-to-minor order per chosen dim, shared by the result and every operand: the target's, else an operand's
  const ranked = orderLike(
    Object.fromEntries(mesh.map(({ name }) => [name, chosen.get(name) === undefined ? replicatedState : { kind: "split", dim: chosen.get(name) as string }])),
    mesh,
    [outTarget, ...operands.map((operand) => operand.sharding)],
  );
  for (const [axis, dim] of chosen) {
    const split = ranked[axis];
    if (dim === undefined || split.kind !== "split") {
      output[axis] = replicatedState;
      operandStates.forEach((states) => (states[axis] = replicatedState));
      continue;
    }
    output[axis] = outDims.includes(dim) ? split : { kind: "partial", reduce: "sum" };
    operands.forEach((operand, index) => {
      operandStates[index][axis] = operand.dims.includes(dim) ? split : replicatedState;
    });
  }
  return { operands: operandStates.map((states) => normalizeOrders(states, mesh)), output: normalizeOrders(output, mesh) };
}

const isPartialSum = (state: AxisState): boolean => state.kind === "partial" && state.reduce === "sum";
const isReplicated = (state: AxisState): boolean => state.kind === "replicated";

/** Never keep a partial: reduce every partial operand first. */
export const reducePartials: KeepPartial = () => undefined;

/** Keep partial(sum) when every operand is partial(sum) (add, sub, concat: sums of sums). */
export const keepWhenAllPartialSum: KeepPartial = (states) => (states.every(isPartialSum) ? states[0] : undefined);

/** Keep partial(sum) when exactly one operand is partial(sum) and the rest replicated (mul, einsum: linear in each operand). */
export const keepWhenOnePartialSum: KeepPartial = (states) =>
  states.filter(isPartialSum).length === 1 && states.every((state) => isPartialSum(state) || isReplicated(state)) ? { kind: "partial", reduce: "sum" } : undefined;

/** Keep partial(sum) when only the first operand is partial(sum) and the rest replicated (div by a replicated value, gather from a partial table). */
export const keepWhenFirstPartialSum: KeepPartial = (states) =>
  isPartialSum(states[0]) && states.slice(1).every(isReplicated) ? states[0] : undefined;

/** Keep partial(max) when every operand is partial(max) (maximum of maxima). */
export const keepWhenAllPartialMax: KeepPartial = (states) =>
  states.every((state) => state.kind === "partial" && state.reduce === "max") ? states[0] : undefined;
