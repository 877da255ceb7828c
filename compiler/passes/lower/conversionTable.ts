/**
 * The conversions between axis states (docs/architecture.md, Semantics), kept as data, and
 * the planner that turns a whole-sharding change into collectives, one axis at
 * a time.
 *
 * A dim split over several axes is a stack of splits, major first (each
 * axis' `order`): a collective takes a split off or puts one on only at the
 * minor end of its dim's stack, where it is a plain concatenation or chunking
 * of the local block (with padding dropped or added for an uneven split,
 * dsl/runtime/padding.ts). So all-gathering the major axis of `batch:(data,
 * fsdp)` first gathers `fsdp`, and a split that changes its major axis is
 * unstacked down to the common prefix and stacked again.
 */
import type { MeshAxis } from "../../../dsl/mesh.ts";
import type { AxisState, Sharding } from "../../ir/ir.ts";
import type { OpAttrs } from "../../ir/opAttrs.ts";
import { axesSplitting, formatSharding, normalizeOrders, replicatedState, splitState } from "../../ir/sharding.ts";

/** The kind of an axis state. */
export type StateKind = AxisState["kind"];

/** The collective (or local slice) that converts one axis from one state kind to another. */
export type ConversionKind = "allReduce" | "reduceScatter" | "allGather" | "allToAll" | "localSlice";

/**
 * from -> to -> collective. `undefined`: no conversion needed (same state) or
 * none exists (nothing converts into partial; the compiler never asks for it).
 */
export const conversionTable: Readonly<Record<StateKind, Readonly<Partial<Record<StateKind, ConversionKind>>>>> = {
  partial: { replicated: "allReduce", split: "reduceScatter" },
  split: { replicated: "allGather", split: "allToAll" },
  replicated: { split: "localSlice" },
};

/** One step of a conversion: the collective's attributes, and the sharding after it. */
export interface ConversionStep {
  readonly attrs: OpAttrs;
  readonly after: Sharding;
}

function stepAttrs(kind: ConversionKind, axis: string, from: AxisState, to: AxisState): OpAttrs {
  const reduce = from.kind === "partial" ? from.reduce : "sum";
  const fromDim = from.kind === "split" ? from.dim : "";
  const toDim = to.kind === "split" ? to.dim : "";
  switch (kind) {
    case "allReduce":
      return { op: "allReduce", axis, reduce };
    case "reduceScatter":
      return { op: "reduceScatter", axis, dim: toDim, reduce };
    case "allGather":
      return { op: "allGather", axis, dim: fromDim };
    case "allToAll":
      return { op: "allToAll", axis, splitDim: toDim, concatDim: fromDim };
    case "localSlice":
      return { op: "localSlice", axis, dim: toDim };
  }
}

/**
 * The steps that take a value from sharding `from` to sharding `to` over
 * `mesh`. Each dim's stack of split axes is cut back to the prefix it shares
 * with its target stack and then built up, one axis at a time at its minor
 * end. Among the steps that can be taken, in this order of preference:
 * a reduce-scatter (a pending reduction onto the split its target asks for,
 * when that split can go on now); an all-reduce of a pending reduction whose
 * target is not a split; an all-to-all (a split that leaves its dim's stack
 * for the next place of another dim's); an all-gather of a split its target
 * does not keep; an all-gather of a split waiting for its place (to break a
 * cycle); an all-reduce of a pending reduction waiting for its split; a
 * local slice. Throws (a bug) when `to` is partial and `from` is not the
 * same partial.
 */
export function planConversion(given: Sharding, goal: Sharding, mesh: readonly MeshAxis[]): ConversionStep[] {
  const from = normalizeOrders(given, mesh);
  const to = normalizeOrders(goal, mesh);
  const current: Record<string, AxisState> = { ...from };
  const steps: ConversionStep[] = [];
  const wanted = (axis: string): AxisState => to[axis] ?? replicatedState;
  const stack = (dim: string, sharding: Sharding): string[] => axesSplitting(dim, sharding, mesh).map((axis) => axis.name);
  /** How many of `dim`'s current axes are already where the target wants them (the common prefix). */
  const kept = (dim: string): number => {
    const now = stack(dim, current);
    const goal = stack(dim, to);
    let length = 0;
    while (length < now.length && now[length] === goal[length]) length++;
    return length;
  };
  /** `axis` may go on `dim`'s stack now: the stack is the target's prefix just before `axis`. */
  const canPush = (dim: string, axis: string): boolean => {
    const now = stack(dim, current);
    const goal = stack(dim, to);
    return kept(dim) === now.length && goal[now.length] === axis;
  };
  /** The axis at the minor end of `dim`'s stack, when it must come off. */
  const excessOf = (dim: string): string | undefined => {
    const now = stack(dim, current);
    return kept(dim) < now.length ? now[now.length - 1] : undefined;
  };
  const move = (axis: string, target: AxisState): void => {
    const source = current[axis];
    const kind = conversionTable[source.kind][target.kind];
    if (!kind) throw new Error(`planConversion: no conversion from ${formatSharding(from)} to ${formatSharding(to)} on "${axis}"`);
    const placed = target.kind === "split" ? splitState(target.dim, stack(target.dim, current).filter((name) => name !== axis).length) : target;
    current[axis] = placed;
    steps.push({ attrs: stepAttrs(kind, axis, source, placed), after: { ...current } });
  };
  const done = (): boolean => mesh.every(({ name }) => formatSharding({ [name]: current[name] }) === formatSharding({ [name]: wanted(name) }));
  const limit = 4 * mesh.length + 4;
  for (let step = 0; !done(); step++) {
    if (step > limit) throw new Error(`planConversion: no plan from ${formatSharding(from)} to ${formatSharding(to)}`);
    const axes = mesh.map((axis) => axis.name);
    const partials = axes.filter((axis) => current[axis].kind === "partial" && !samePartial(current[axis], wanted(axis)));
    const excess = [...new Set(axes.flatMap((axis) => (current[axis].kind === "split" ? [(current[axis] as { dim: string }).dim] : [])))]
      .map(excessOf)
      .filter((axis): axis is string => axis !== undefined);
    const splitTarget = (axis: string): string | undefined => {
      const target = wanted(axis);
      return target.kind === "split" ? target.dim : undefined;
    };
    const ready = (axis: string): boolean => {
      const dim = splitTarget(axis);
      return dim !== undefined && canPush(dim, axis);
    };
    const scatter = partials.find(ready);
    if (scatter !== undefined) {
      move(scatter, wanted(scatter));
      continue;
    }
    const reduce = partials.find((axis) => splitTarget(axis) === undefined);
    if (reduce !== undefined) {
      if (wanted(reduce).kind === "partial") throw new Error(`planConversion: cannot make ${formatSharding(to)} from ${formatSharding(from)}`);
      move(reduce, replicatedState);
      continue;
    }
    const exchange = excess.find((axis) => ready(axis) && splitTarget(axis) !== (current[axis] as { dim: string }).dim);
    if (exchange !== undefined) {
      move(exchange, wanted(exchange));
      continue;
    }
    const gather = excess.find((axis) => splitTarget(axis) === undefined) ?? excess[0];
    if (gather !== undefined) {
      move(gather, replicatedState);
      continue;
    }
    if (partials.length > 0) {
      move(partials[0], replicatedState);
      continue;
    }
    const slice = axes.find((axis) => current[axis].kind === "replicated" && ready(axis));
    if (slice !== undefined) {
      move(slice, wanted(slice));
      continue;
    }
    const stuck = axes.find((axis) => wanted(axis).kind === "partial" && current[axis].kind !== "partial");
    if (stuck !== undefined) throw new Error(`planConversion: cannot make ${formatSharding(to)} from ${formatSharding(from)}`);
    throw new Error(`planConversion: no step from ${formatSharding(current)} towards ${formatSharding(to)}`);
  }
  return steps;
}

function samePartial(state: AxisState, target: AxisState): boolean {
  return state.kind === "partial" && target.kind === "partial" && state.reduce === target.reduce;
}
