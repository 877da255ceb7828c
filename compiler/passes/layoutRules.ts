/**
 * Which layout rules apply to which value: the program's layout, except for
 * values made by `relayout(x, "dim:axis, ...")`, whose rules replace the
 * layout's for the dims and axes they name (like `with_sharding_constraint`).
 */
import type { LayoutRule } from "../../dsl/parseLayout.ts";
import type { Block, Program, SourceLoc, Value, ValueId } from "../ir/ir.ts";
import { formatDims } from "../ir/printer.ts";
import { isLoop } from "../ir/opAttrs.ts";

/** The layout's rules with `override` in front: a layout rule survives when it names neither a dim nor an axis of `override`. */
export function overrideRules(layout: readonly LayoutRule[], override: readonly LayoutRule[]): LayoutRule[] {
  const kept = layout.filter((rule) => !override.some((other) => other.dim === rule.dim || other.axis === rule.axis));
  return [...override, ...kept];
}

/**
 * The rules that say what state each value should have: `relayout` outputs and
 * the values of `program.valueRules` get their own; all others the program's.
 */
export function rulesByValue(program: Program): ReadonlyMap<ValueId, readonly LayoutRule[]> {
  const rules = new Map<ValueId, readonly LayoutRule[]>();
  // values given one rule list (weight-update sharding shares one per dim) share its merged rules
  const merged = new Map<readonly LayoutRule[], readonly LayoutRule[]>();
  for (const [id, own] of program.valueRules ?? []) {
    let list = merged.get(own);
    if (list === undefined) merged.set(own, (list = overrideRules(program.layout, own)));
    rules.set(id, list);
  }
  const visit = (block: Block): void => {
    for (const statement of block) {
      if (isLoop(statement)) visit(statement.body);
      else if (statement.op === "relayout") rules.set(statement.output, overrideRules(program.layout, statement.rules));
    }
  };
  visit(program.body);
  return rules;
}

/** Where each value is defined: its op's location (a loop's for loop-defined values). */
export function definingLocs(program: Program): ReadonlyMap<ValueId, SourceLoc> {
  const locs = new Map<ValueId, SourceLoc>();
  const visit = (block: Block): void => {
    for (const statement of block) {
      if (isLoop(statement)) {
        for (const entry of statement.carried) {
          locs.set(entry.param, statement.loc);
          locs.set(entry.output, statement.loc);
        }
        for (const entry of statement.indexed) locs.set(entry.param, statement.loc);
        visit(statement.body);
      } else {
        locs.set(statement.output, statement.loc);
      }
    }
  };
  visit(program.body);
  return locs;
}

/** `value "h"` or `a value [batch=8 d_ff=32]`: how messages name a value (by its source name, never its IR id). */
export function describeValue(value: Value): string {
  return value.hint === undefined ? `a value ${formatDims(value.dims)}` : `value "${value.hint}"`;
}

/** `value "h" [batch=8 d_ff=32]` or `a value [batch=8 d_ff=32]`. */
export function describeValueWithDims(value: Value): string {
  return value.hint === undefined ? describeValue(value) : `${describeValue(value)} ${formatDims(value.dims)}`;
}
