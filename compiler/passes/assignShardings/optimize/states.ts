/**
 * The shardings a value may be held in under the program's constraints, for
 * the `optimize` strategy: every way of putting at most one of its dims on
 * each mesh axis (no dim on two axes, each split size divisible), filtered by
 * the layout's rules (a rule `dim:axis` for one of the value's dims must hold)
 * and, in a full layout, with the dims the layout does not name replicated.
 */
import type { LayoutRule } from "../../../../dsl/parseLayout.ts";
import type { MeshAxis } from "../../../../dsl/mesh.ts";
import type { Dim } from "../../../../dsl/tensor.ts";
import type { AxisState, Program, Sharding } from "../../../ir/ir.ts";
import { formatAxisState } from "../../../ir/printer.ts";
import { replicatedState } from "../../../ir/sharding.ts";

/** A stable text key of a sharding, in mesh order. */
export function shardingKey(sharding: Sharding, mesh: readonly MeshAxis[]): string {
  return mesh.map((axis) => formatAxisState(sharding[axis.name] ?? replicatedState)).join("|");
}

/** Every combination of one option per axis, `options[i]` for axis i, keeping those `keep` accepts. */
export function combine<T>(options: readonly (readonly T[])[], keep: (chosen: readonly T[]) => boolean): T[][] {
  let partial: T[][] = [[]];
  for (const choices of options) {
    const next: T[][] = [];
    for (const prefix of partial) for (const choice of choices) next.push([...prefix, choice]);
    partial = next;
  }
  return partial.filter(keep);
}

/** The constraints a value's held sharding must meet: on each axis, the dim it must be split along, or whether it may be split at all. */
export interface StateRules {
  /** axis -> dim it must be split along (a layout or relayout rule for one of the value's dims). */
  readonly fixed: ReadonlyMap<string, string>;
  /** Dims that a rule puts on some axis (they may be split only there). */
  readonly placed: ReadonlyMap<string, string>;
  /** False for a full layout: dims no rule names stay replicated. */
  readonly open: boolean;
}

/** The constraints on a value with `dims` under `rules` (the layout's, or a relayout's over it) and the layout's openness. */
export function stateRules(dims: readonly Dim[], rules: readonly LayoutRule[], mesh: readonly MeshAxis[], open: boolean): StateRules {
  const fixed = new Map<string, string>();
  const placed = new Map<string, string>();
  for (const rule of rules) {
    if (!mesh.some((axis) => axis.name === rule.axis)) continue;
    placed.set(rule.dim, rule.axis);
    if (dims.some((dim) => dim.name === rule.dim) && !fixed.has(rule.axis)) fixed.set(rule.axis, rule.dim);
  }
  return { fixed, placed, open };
}

/** True when `state` on `axis` meets the rules. */
export function allowedOnAxis(rules: StateRules, axis: string, state: AxisState): boolean {
  const fixed = rules.fixed.get(axis);
  if (fixed !== undefined) return state.kind === "split" && state.dim === fixed;
  if (state.kind !== "split") return true;
  const placed = rules.placed.get(state.dim);
  if (placed !== undefined) return placed === axis;
  return rules.open;
}

/** True when every axis of `sharding` meets the rules. */
export function allowed(rules: StateRules, sharding: Sharding, mesh: readonly MeshAxis[]): boolean {
  return mesh.every((axis) => allowedOnAxis(rules, axis.name, sharding[axis.name] ?? replicatedState));
}

/** Every non-partial sharding of a value with `dims` that meets `rules`. */
export function wholeStates(dims: readonly Dim[], mesh: readonly MeshAxis[], rules: StateRules): Sharding[] {
  const options = mesh.map((axis) => [
    replicatedState,
    ...dims.filter((dim) => dim.size % axis.size === 0).map((dim): AxisState => ({ kind: "split", dim: dim.name })),
  ].filter((state) => allowedOnAxis(rules, axis.name, state)));
  return combine(options, distinctSplits).map((states) => Object.fromEntries(mesh.map((axis, index) => [axis.name, states[index]])));
}

/** No dim split over two axes. */
export function distinctSplits(states: readonly AxisState[]): boolean {
  const dims = states.flatMap((state) => (state.kind === "split" ? [state.dim] : []));
  return new Set(dims).size === dims.length;
}

/** The rules that constrain value `id` of `program` (its own, for relayouts and weight-update values, else the layout's). */
export function rulesFor(program: Program, own: ReadonlyMap<number, readonly LayoutRule[]>, id: number): readonly LayoutRule[] {
  return own.get(id) ?? program.layout;
}
