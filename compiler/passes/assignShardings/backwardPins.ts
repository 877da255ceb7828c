/**
 * Backward propagation of `relayout` constraints in an open layout
 * (`"batch:data, auto"`, `"auto"`), as GSPMD's sharding completion does: a
 * relayout's rule for an open dim is carried back to the values the
 * relayouted value is computed from, through every op whose operand has
 * the dim and can keep it split, so that they are made in that layout
 * (params arrive in it) instead of converted at the relayout. A rule is
 * carried only onto a value where the layout leaves both its dim and its
 * axis free. Forward propagation (targets.ts) has priority over this.
 *
 * Two relayouts whose rules reach one value in different ways on one axis
 * (another dim, or the dim on another axis) are a conflict: MT5201, at the
 * later relayout, naming both and the value where they meet.
 */
import { formatRules, type LayoutRule } from "../../../dsl/parseLayout.ts";
import { CompileError, diagnostic } from "../../diagnostics/diagnostic.ts";
import { plannerMessages } from "../../diagnostics/plannerMessages.ts";
import type { Block, Op, Program, ValueId } from "../../ir/ir.ts";
import { isLoop } from "../../ir/opAttrs.ts";
import { formatLoc } from "../../ir/printer.ts";
import { describeValueWithDims } from "../layoutRules.ts";
import { multiOperandRule } from "./opRules.ts";
import { unsplittable } from "./singlePlans.ts";

/** A rule carried back from a relayout: the rule and the relayout op it comes from. */
export interface BackwardPin {
  readonly rule: LayoutRule;
  readonly from: Op;
}

/** The dims an op's operands cannot keep split through it. */
function blockedDims(op: Op): ReadonlySet<string> {
  const rule = multiOperandRule(op);
  if (rule) return rule.excluded;
  return new Set(op.inputs.length === 1 ? unsplittable(op) : []);
}

/** Every statement of `block` in program order, loop bodies included (loop statements themselves skipped). */
function opsInOrder(block: Block, out: Op[] = []): Op[] {
  for (const statement of block) {
    if (isLoop(statement)) opsInOrder(statement.body, out);
    else out.push(statement);
  }
  return out;
}

const formatRule = (rule: LayoutRule): string => `${rule.dim}:${rule.axis}`;
const describeRelayout = (op: Op): string => (op.op === "relayout" ? `relayout "${formatRules(op.rules)}" at ${formatLoc(op.loc)}` : `${op.op} at ${formatLoc(op.loc)}`);

/** The backward pins of every value of an open-layout program (empty for a full layout). Throws MT5201 on a conflict. */
export function backwardPins(program: Program): ReadonlyMap<ValueId, readonly BackwardPin[]> {
  const pins = new Map<ValueId, BackwardPin[]>();
  if (!program.openLayout) return pins;
  const fixedDims = new Set(program.layout.map((rule) => rule.dim));
  // every rule of every relayout with the other entries of its dim (a dim over several axes is one entry per axis)
  const relayoutRules = new Map<LayoutRule, readonly LayoutRule[]>();
  for (const op of opsInOrder(program.body)) {
    if (op.op === "relayout") for (const rule of op.rules) relayoutRules.set(rule, op.rules.filter((other) => other.dim === rule.dim));
  }
  const ops = opsInOrder(program.body);
  const defs = new Map(ops.map((op) => [op.output, op]));
  const value = (id: ValueId) => program.values.get(id);
  const fits = (id: ValueId, rule: LayoutRule): boolean => {
    const dims = value(id)?.dims ?? [];
    const dim = dims.find((entry) => entry.name === rule.dim);
    const axis = program.mesh.find((entry) => entry.name === rule.axis);
    if (dim === undefined || axis === undefined || fixedDims.has(rule.dim)) return false;
    // the rule's axes together (a dim may be split over several) must divide the dim, unless the rule is padded
    const devices = (relayoutRules.get(rule) ?? [rule]).reduce((product, entry) => product * (program.mesh.find((candidate) => candidate.name === entry.axis)?.size ?? 1), 1);
    if (rule.padded !== true && dim.size % devices !== 0) return false;
    // the layout already puts another of the value's dims on this axis
    return !program.layout.some((fixed) => fixed.axis === rule.axis && dims.some((entry) => entry.name === fixed.dim));
  };
  const add = (id: ValueId, pin: BackwardPin): void => {
    if (!fits(id, pin.rule)) return;
    const list = pins.get(id) ?? [];
    // one axis for two dims, or one dim on two axes by two relayouts (one relayout may split a dim over several axes)
    const clash = list.find((other) =>
      other.rule.axis === pin.rule.axis ? other.rule.dim !== pin.rule.dim : other.rule.dim === pin.rule.dim && formatRules(relayoutRules.get(other.rule) ?? []) !== formatRules(relayoutRules.get(pin.rule) ?? []));
    if (clash) conflict(program, id, clash, pin, defs.get(id));
    if (!list.some((other) => other.rule.dim === pin.rule.dim && other.rule.axis === pin.rule.axis)) list.push(pin);
    pins.set(id, list);
  };
  for (let index = ops.length - 1; index >= 0; index--) {
    const op = ops[index];
    if (op.op === "relayout" && op.inputs.length === 1) {
      for (const rule of op.rules) add(op.inputs[0], { rule, from: op });
      continue;
    }
    const carried = pins.get(op.output);
    if (carried === undefined || op.op === "relayout") continue;
    const blocked = blockedDims(op);
    for (const input of op.inputs) for (const pin of carried) if (!blocked.has(pin.rule.dim)) add(input, pin);
  }
  return pins;
}

function conflict(program: Program, id: ValueId, first: BackwardPin, second: BackwardPin, made: Op | undefined): never {
  const value = program.values.get(id);
  const state = (pin: BackwardPin): string => `split by "${pin.rule.dim}" on "${pin.rule.axis}"`;
  const args = {
    first: describeRelayout(second.from),
    second: describeRelayout(first.from),
    value: value ? describeValueWithDims(value) : `value %${id}`,
    made: made ? formatLoc(made.loc) : formatLoc(program.loc),
    axis: first.rule.axis === second.rule.axis ? first.rule.axis : `${first.rule.axis}" and "${second.rule.axis}`,
    firstState: state(second),
    secondState: state(first),
    layout: program.layoutSpec,
    suggestion: `relayout(${value?.hint ?? "x"}, "${formatRule(first.rule)}")`,
  };
  throw new CompileError([diagnostic(plannerMessages.conflictingConstraints, args, first.from.loc)]);
}
