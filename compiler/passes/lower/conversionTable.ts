/**
 * The conversions between axis states (DESIGN.md section 2), kept as data, and
 * the planner that turns a whole-sharding change into collectives, one axis at
 * a time, in an order that never splits one dim over two axes at once.
 */
import type { MeshAxis } from "../../../dsl/mesh.ts";
import type { AxisState, Sharding } from "../../ir/ir.ts";
import type { OpAttrs } from "../../ir/opAttrs.ts";
import { formatSharding } from "../../ir/sharding.ts";

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

function splitElsewhere(current: Record<string, AxisState>, dim: string, axis: string): boolean {
  return Object.entries(current).some(([other, state]) => other !== axis && state.kind === "split" && state.dim === dim);
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
 * The steps that take a value from sharding `from` to sharding `to` over `mesh`:
 * first pending reductions (reduce-scatter where the target split is free, else
 * all-reduce), then splits that move (all-to-all where the new dim is free,
 * else all-gather), then local slices. Throws (a bug) when `to` is partial and
 * `from` is not the same partial.
 */
export function planConversion(from: Sharding, to: Sharding, mesh: readonly MeshAxis[]): ConversionStep[] {
  const current: Record<string, AxisState> = { ...from };
  const steps: ConversionStep[] = [];
  const move = (axis: string, target: AxisState): void => {
    const source = current[axis];
    const kind = conversionTable[source.kind][target.kind];
    if (!kind) throw new Error(`planConversion: no conversion from ${formatSharding(from)} to ${formatSharding(to)} on "${axis}"`);
    current[axis] = target;
    steps.push({ attrs: stepAttrs(kind, axis, source, target), after: { ...current } });
  };
  const wanted = (axis: string): AxisState => to[axis] ?? { kind: "replicated" };
  for (const { name } of mesh) {
    const source = current[name];
    const target = wanted(name);
    if (source.kind !== "partial") continue;
    if (target.kind === "partial" && target.reduce === source.reduce) continue;
    if (target.kind === "split" && !splitElsewhere(current, target.dim, name)) move(name, target);
    else move(name, { kind: "replicated" });
  }
  for (const { name } of mesh) {
    const source = current[name];
    const target = wanted(name);
    if (source.kind !== "split" || (target.kind === "split" && target.dim === source.dim)) continue;
    if (target.kind === "split" && !splitElsewhere(current, target.dim, name)) move(name, target);
    else move(name, { kind: "replicated" });
  }
  for (const { name } of mesh) {
    const target = wanted(name);
    if (current[name].kind === "replicated" && target.kind === "split") move(name, target);
    if (target.kind === "partial" && current[name].kind !== "partial") {
      throw new Error(`planConversion: cannot make ${formatSharding(to)} from ${formatSharding(from)}`);
    }
  }
  return steps;
}
