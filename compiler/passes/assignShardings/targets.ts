/**
 * The user's sharding constraints, value by value: what the layout, a
 * `relayout`, weight-update sharding or a relayout's propagated rules ask for
 * a value, and which of them asked (the source `explain` shows).
 *
 * Priority, highest first: a value's own rules (a `relayout`'s, or those
 * weight-update sharding put in `program.valueRules`), replacing the layout's
 * rules for the dims and axes they name; then the rules a value keeps from a
 * relayouted operand (pins, below); then the program's layout.
 *
 * A `relayout` pins its rules (like GSPMD's sharding constraint, propagated
 * forward): a value computed from a pinned operand keeps every pinned
 * `dim:axis` whose dim it has (in a size the axis divides) as its target on
 * that axis, until another relayout sets new pins. A dim or axis that two
 * operands pin in two different ways is not pinned. Programs without
 * relayout have no pins. In an open layout, relayout rules are also carried
 * backward (backwardPins.ts), below the forward pins in priority.
 */
import { formatRules, type LayoutRule } from "../../../dsl/parseLayout.ts";
import type { Dim } from "../../../dsl/tensor.ts";
import type { Op, Program, Sharding, ValueId } from "../../ir/ir.ts";
import type { ShardingSource } from "../../ir/shardingAssignment.ts";
import { targetSharding } from "../../ir/sharding.ts";
import { overrideRules, rulesByValue } from "../layoutRules.ts";
import { backwardPins, type BackwardPin } from "./backwardPins.ts";

/** A target sharding and the constraint it comes from. */
export interface Target {
  readonly sharding: Sharding;
  readonly source: ShardingSource;
}

/** The constraints of one program, with the pins set so far (call `pin` on every op in program order). */
export class Targets {
  private readonly ownRules: ReadonlyMap<ValueId, readonly LayoutRule[]>;
  private readonly relayouts = new Map<ValueId, Op>();
  private readonly pins = new Map<ValueId, readonly LayoutRule[]>();
  private readonly backward: ReadonlyMap<ValueId, readonly BackwardPin[]>;
  /** The layout's target for values that nothing else constrains, by their dims array (read-only data, shared). */
  private readonly layoutTargets = new WeakMap<readonly Dim[], Target>();
  /** The target of values with their own rules and nothing else (weight-update sharding's), by dims array and rule list. */
  private readonly ownTargets = new WeakMap<readonly Dim[], Map<readonly LayoutRule[], Target>>();

  /** Throws MT5201 where two relayouts' rules, carried backward in an open layout, conflict. */
  constructor(private readonly program: Program) {
    this.ownRules = rulesByValue(program);
    this.backward = backwardPins(program);
    for (const [id, op] of relayoutOps(program)) this.relayouts.set(id, op);
  }

  /** What the constraints ask for value `id`, and which constraint asks. */
  target(id: ValueId): Target {
    const value = this.program.values.get(id);
    if (value === undefined) throw new Error(`targets: %${id} is not a value of "${this.program.name}"`);
    const own = this.ownRules.get(id);
    const pinned = this.pins.get(id);
    const back = this.backward.get(id);
    const relayout = this.relayouts.has(id) || this.program.valueRules?.has(id) === true;
    // Only the layout applies: the target depends on the dims alone (the layers' values share their dims).
    if (own === undefined && pinned === undefined && back === undefined && !relayout) {
      const known = this.layoutTargets.get(value.dims);
      if (known !== undefined) return known;
      const target = this.fromRules(id, value.dims, this.program.layout, own, pinned, back);
      this.layoutTargets.set(value.dims, target);
      return target;
    }
    // Own rules only, not a relayout's: the target depends on the dims and the (shared) rule list alone.
    if (own !== undefined && pinned === undefined && back === undefined && !this.relayouts.has(id)) {
      let byRules = this.ownTargets.get(value.dims);
      if (byRules === undefined) this.ownTargets.set(value.dims, (byRules = new Map()));
      const known = byRules.get(own);
      if (known !== undefined) return known;
      const target = this.fromRules(id, value.dims, own, own, pinned, back);
      byRules.set(own, target);
      return target;
    }
    let rules = own;
    if (rules === undefined) {
      const carried = back ? overrideRules(this.program.layout, back.map((pin) => pin.rule)) : this.program.layout;
      rules = pinned ? overrideRules(carried, pinned) : carried;
    }
    return this.fromRules(id, value.dims, rules, own, pinned, back);
  }

  private fromRules(
    id: ValueId, dims: readonly Dim[], rules: readonly LayoutRule[], own: readonly LayoutRule[] | undefined, pinned: readonly LayoutRule[] | undefined, back: readonly BackwardPin[] | undefined,
  ): Target {
    const sharding = targetSharding(dims, this.program.mesh, rules);
    const used = rules.filter((rule) => dims.some((dim) => dim.name === rule.dim) && this.program.mesh.some((axis) => axis.name === rule.axis));
    return { sharding, source: this.sourceOf(id, own, pinned, back, used) };
  }

  private sourceOf(
    id: ValueId, own: readonly LayoutRule[] | undefined, pinned: readonly LayoutRule[] | undefined, back: readonly BackwardPin[] | undefined, used: readonly LayoutRule[],
  ): ShardingSource {
    const relayout = this.relayouts.get(id);
    if (own !== undefined && relayout !== undefined && relayout.op === "relayout") return { kind: "relayout", rules: relayout.rules, loc: relayout.loc };
    const update = this.program.valueRules?.get(id);
    if (own !== undefined && update !== undefined && update.length > 0) return { kind: "weightUpdate", axis: update[0].axis };
    const usedOf = (rules: readonly LayoutRule[]) => used.filter((rule) => rules.some((pin) => pin.dim === rule.dim && pin.axis === rule.axis));
    if (pinned !== undefined && usedOf(pinned).length > 0) return { kind: "pinned", rules: pinned };
    const backUsed = back?.find((pin) => usedOf([pin.rule]).length > 0);
    if (backUsed !== undefined) {
      const written = backUsed.from.op === "relayout" ? backUsed.from.rules : [backUsed.rule];
      return { kind: "pinned", rules: written, backward: { loc: backUsed.from.loc } };
    }
    return { kind: "layout", rules: used };
  }

  /** The pins of value `id` (relayout rules it carries), if any. */
  pinsOf(id: ValueId): readonly LayoutRule[] | undefined {
    return this.pins.get(id);
  }

  /**
   * Set the pins of `op`'s result before it is planned: a relayout's own
   * rules; a relayoutLike's, those of the value it follows; any other op's,
   * its operands' pins whose dim the result has, in a size the axis divides.
   */
  pin(op: Op): void {
    // a program without relayouts has no pins
    if (this.pins.size === 0 && op.op !== "relayout") return;
    if (op.op === "relayout") {
      const own = op.inputs.length === 2 ? this.pins.get(op.inputs[1]) : op.rules;
      if (own && own.length > 0) this.pins.set(op.output, own);
      return;
    }
    const outDims = this.program.values.get(op.output)?.dims ?? [];
    // A pin is a whole rule (a dim over one or more axes, major first): kept when the result has the dim in a size the axes divide (or the rule is padded).
    const fits = (rules: readonly LayoutRule[]): boolean => {
      const size = outDims.find((dim) => dim.name === rules[0].dim)?.size;
      const axes = rules.map((rule) => this.program.mesh.find((entry) => entry.name === rule.axis));
      if (size === undefined || axes.some((axis) => axis === undefined)) return false;
      const devices = axes.reduce((product, axis) => product * (axis?.size ?? 1), 1);
      return rules[0].padded === true || size % devices === 0;
    };
    const found = new Map<string, LayoutRule[] | "clash">();
    for (const input of op.inputs) {
      const pinned = this.pins.get(input) ?? [];
      for (const dim of new Set(pinned.map((rule) => rule.dim))) {
        const rules = pinned.filter((rule) => rule.dim === dim);
        if (!fits(rules)) continue;
        const earlier = found.get(dim);
        const same = earlier !== undefined && earlier !== "clash" && formatRules(earlier) === formatRules(rules);
        found.set(dim, earlier === undefined || same ? rules : "clash");
      }
    }
    const groups = [...found.values()].filter((rules): rules is LayoutRule[] => rules !== "clash");
    const onAxis = (axis: string): number => groups.filter((rules) => rules.some((rule) => rule.axis === axis)).length;
    const kept = groups.filter((rules) => rules.every((rule) => onAxis(rule.axis) === 1)).flat();
    if (kept.length > 0) this.pins.set(op.output, kept);
  }
}

/** Every single-input relayout op, by its output. */
function relayoutOps(program: Program): Map<ValueId, Op> {
  const found = new Map<ValueId, Op>();
  const visit = (block: Program["body"]): void => {
    for (const statement of block) {
      if (statement.op === "loop") visit(statement.body);
      else if (statement.op === "relayout" && statement.inputs.length === 1) found.set(statement.output, statement);
    }
  };
  visit(program.body);
  return found;
}
