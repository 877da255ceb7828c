/**
 * The layout string that says what a planned assignment does, so that
 * `meshtype plan --write` puts a layout the user can read, edit and type-check
 * into the source (and the next build, by propagation, gives that layout's
 * program): for every dim and mesh axis, the elements of the values that hold
 * the dim split over the axis, against those that hold it whole; rules are
 * taken by weight, heaviest first, where the split outweighs keeping the dim
 * whole, the axis divides the dim, the dim has no rule yet, and no value has
 * another dim already on that axis (so that every tensor puts at most one dim
 * on an axis, as a layout must; dims that never meet, such as Megatron's
 * heads and d_ff, may share one).
 */
import type { LayoutRule } from "../../dsl/parseLayout.ts";
import type { Program } from "../ir/ir.ts";
import type { ShardingAssignment } from "../ir/shardingAssignment.ts";

/** Every (dim, axis) split the assignment makes, heaviest first, with its weight and the weight of the dim kept whole. */
export function rankedSplits(program: Program, assignment: ShardingAssignment): { rule: LayoutRule; weight: number; whole: number }[] {
  const split = new Map<string, number>();
  const whole = new Map<string, number>();
  for (const [id, held] of assignment.held) {
    const dims = program.values.get(id)?.dims ?? [];
    const elements = dims.reduce((product, dim) => product * dim.size, 1);
    for (const dim of dims) {
      const axis = Object.entries(held.sharding).find(([, state]) => state.kind === "split" && state.dim === dim.name)?.[0];
      if (axis === undefined) whole.set(dim.name, (whole.get(dim.name) ?? 0) + elements);
      else split.set(`${dim.name}:${axis}`, (split.get(`${dim.name}:${axis}`) ?? 0) + elements);
    }
  }
  return [...split]
    .sort((first, second) => second[1] - first[1] || first[0].localeCompare(second[0]))
    .map(([key, weight]) => {
      const [dim, axis] = key.split(":");
      return { rule: { dim, axis }, weight, whole: whole.get(dim) ?? 0 };
    });
}

/** True when `rules` may take `rule`: the dim has no rule yet, the axis divides it, and no value has another dim already on that axis. */
export function canAddRule(program: Program, rules: readonly LayoutRule[], rule: LayoutRule): boolean {
  const axisSize = program.mesh.find((entry) => entry.name === rule.axis)?.size ?? 0;
  if (axisSize === 0 || rules.some((other) => other.dim === rule.dim)) return false;
  for (const value of program.values.values()) {
    const dim = value.dims.find((entry) => entry.name === rule.dim);
    if (dim === undefined) continue;
    if (dim.size % axisSize !== 0) return false;
    if (rules.some((other) => other.axis === rule.axis && value.dims.some((entry) => entry.name === other.dim))) return false;
  }
  return true;
}

/**
 * True when `rules` may also split `rule.dim` over `rule.axis` after the axes
 * it already has (a dim over several axes, `batch:(data, fsdp)`): the dim has
 * a rule, none on that axis, the axes' sizes together divide it, and no value
 * that holds it has another dim on the axis.
 */
export function canWidenRule(program: Program, rules: readonly LayoutRule[], rule: LayoutRule): boolean {
  const sizeOf = (axis: string): number => program.mesh.find((entry) => entry.name === axis)?.size ?? 0;
  const own = rules.filter((other) => other.dim === rule.dim);
  if (sizeOf(rule.axis) === 0 || own.length === 0 || own.some((other) => other.axis === rule.axis || other.padded === true)) return false;
  const together = own.reduce((product, other) => product * sizeOf(other.axis), sizeOf(rule.axis));
  for (const value of program.values.values()) {
    const dim = value.dims.find((entry) => entry.name === rule.dim);
    if (dim === undefined) continue;
    if (dim.size % together !== 0) return false;
    if (rules.some((other) => other.axis === rule.axis && other.dim !== rule.dim && value.dims.some((entry) => entry.name === other.dim))) return false;
  }
  return true;
}

/** The layout rules that describe `assignment` on `program` (see the module comment). */
export function layoutRulesOf(program: Program, assignment: ShardingAssignment): LayoutRule[] {
  const rules: LayoutRule[] = [];
  for (const { rule, weight, whole } of rankedSplits(program, assignment)) {
    if (weight > whole && canAddRule(program, rules, rule)) rules.push(rule);
  }
  return rules;
}

/** `rules` as a layout string, in the order the program's mesh lists the axes; a dim over several axes as `dim:(a, b)`, major (first in the mesh) first. */
export function formatRules(program: Program, rules: readonly LayoutRule[]): string {
  const order = (axis: string): number => program.mesh.findIndex((entry) => entry.name === axis);
  const groups = new Map<string, string[]>();
  for (const rule of rules) groups.set(rule.dim, [...(groups.get(rule.dim) ?? []), rule.axis]);
  return [...groups]
    .map(([dim, axes]) => ({ dim, axes: [...axes].sort((first, second) => order(first) - order(second)) }))
    .sort((first, second) => order(first.axes[0]) - order(second.axes[0]))
    .map(({ dim, axes }) => (axes.length === 1 ? `${dim}:${axes[0]}` : `${dim}:(${axes.join(", ")})`))
    .join(", ");
}

/** The layout string that describes `assignment` (the rules of layoutRulesOf). */
export function layoutStringOf(program: Program, assignment: ShardingAssignment): string {
  return formatRules(program, layoutRulesOf(program, assignment));
}
