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

/** The layout rules that describe `assignment` on `program` (see the module comment). */
export function layoutRulesOf(program: Program, assignment: ShardingAssignment): LayoutRule[] {
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
  const sizes = new Map<string, number>();
  for (const value of program.values.values()) for (const dim of value.dims) sizes.set(dim.name, dim.size);
  const dimSets = [...program.values.values()].map((value) => new Set(value.dims.map((dim) => dim.name)));
  const rules: LayoutRule[] = [];
  const ranked = [...split].sort((first, second) => second[1] - first[1] || first[0].localeCompare(second[0]));
  for (const [key, weight] of ranked) {
    const [dim, axis] = key.split(":");
    const axisSize = program.mesh.find((entry) => entry.name === axis)?.size ?? 0;
    if (weight <= (whole.get(dim) ?? 0) || rules.some((rule) => rule.dim === dim)) continue;
    if (axisSize === 0 || (sizes.get(dim) ?? 1) % axisSize !== 0) continue;
    const clashes = dimSets.some((set) => set.has(dim) && rules.some((rule) => rule.axis === axis && set.has(rule.dim)));
    if (!clashes) rules.push({ dim, axis });
  }
  return rules;
}

/** The layout string of those rules, in the order the program's mesh lists the axes. */
export function layoutStringOf(program: Program, assignment: ShardingAssignment): string {
  const rules = layoutRulesOf(program, assignment);
  const order = (rule: LayoutRule): number => program.mesh.findIndex((axis) => axis.name === rule.axis);
  return [...rules].sort((first, second) => order(first) - order(second)).map((rule) => `${rule.dim}:${rule.axis}`).join(", ");
}
