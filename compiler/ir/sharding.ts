/**
 * Small facts about shardings that the verifier, the passes and the back end
 * share: equality, the layout's target state of a value, and local dims.
 */
import type { Dim } from "../../dsl/tensor.ts";
import type { MeshAxis } from "../../dsl/mesh.ts";
import type { LayoutRule } from "../../dsl/parseLayout.ts";
import type { AxisState, Sharding } from "./ir.ts";
import { formatAxisState } from "./printer.ts";

/** The replicated state. */
export const replicatedState: AxisState = Object.freeze({ kind: "replicated" });

/** True when two axis states are the same state. */
export function sameState(first: AxisState, second: AxisState): boolean {
  return formatAxisState(first) === formatAxisState(second);
}

/** True when two shardings have the same state on every axis. */
export function sameSharding(first: Sharding | undefined, second: Sharding | undefined): boolean {
  if (!first || !second) return first === second;
  const axes = new Set([...Object.keys(first), ...Object.keys(second)]);
  return [...axes].every((axis) => first[axis] !== undefined && second[axis] !== undefined && sameState(first[axis], second[axis]));
}

/** `{data: split(batch), model: replicated}`. */
export function formatSharding(sharding: Sharding): string {
  return `{${Object.entries(sharding).map(([axis, state]) => `${axis}: ${formatAxisState(state)}`).join(", ")}}`;
}

/**
 * What the layout asks for a value with `dims`: on each axis, split over the
 * value's dim that a rule puts there, else replicated. Assumes the layout was
 * validated for these dims (at most one of them per axis).
 */
export function targetSharding(dims: readonly Dim[], mesh: readonly MeshAxis[], rules: readonly LayoutRule[]): Sharding {
  const sharding: Record<string, AxisState> = {};
  for (const axis of mesh) {
    const rule = rules.find((candidate) => candidate.axis === axis.name && dims.some((dim) => dim.name === candidate.dim));
    sharding[axis.name] = rule ? { kind: "split", dim: rule.dim } : replicatedState;
  }
  return sharding;
}

/** The axes a dim is split over in `sharding`, in mesh order. */
export function axesSplitting(dim: string, sharding: Sharding, mesh: readonly MeshAxis[]): MeshAxis[] {
  return mesh.filter((axis) => {
    const state = sharding[axis.name];
    return state?.kind === "split" && state.dim === dim;
  });
}

/**
 * The dims one device holds: every split dim divided by the size of the axis
 * it is split over, plus twice its halo (one on each side) when it has one.
 */
export function localDimsOf(dims: readonly Dim[], sharding: Sharding, mesh: readonly MeshAxis[]): Dim[] {
  return dims.map((dim) => {
    const axes = axesSplitting(dim.name, sharding, mesh);
    const parts = axes.reduce((product, axis) => product * axis.size, 1);
    const halo = axes.reduce((total, axis) => {
      const state = sharding[axis.name];
      return total + (state.kind === "split" ? 2 * (state.halo ?? 0) : 0);
    }, 0);
    return parts === 1 && halo === 0 ? dim : { name: dim.name, size: dim.size / parts + halo };
  });
}
