/**
 * validate: check that the layout can hold every value of the program, before
 * anything is lowered. For every value (intermediates and loop values too):
 * no two of its dims on one mesh axis, and every split dim divisible by the
 * product of its axes, unless its rule is `padded(...)`. For every relayout: its rules name mesh axes and dims of the value.
 * Reports every problem at once as a `CompileError` with the op's location.
 */
import { writeNotDividedBy } from "../../dsl/messages/layout.ts";
import { formatRules, type LayoutRule } from "../../dsl/parseLayout.ts";
import { CompileError, diagnostic, type Diagnostic } from "../diagnostics/diagnostic.ts";
import { validateMessages } from "../diagnostics/validateMessages.ts";
import type { Program, SourceLoc, Value } from "../ir/ir.ts";
import { walkOps } from "../ir/opAttrs.ts";
import { formatDims } from "../ir/printer.ts";
import { definingLocs, describeValue, rulesByValue } from "./layoutRules.ts";

function checkValue(program: Program, value: Value, rules: readonly LayoutRule[], spec: string, loc: SourceLoc | undefined, out: Diagnostic[]): void {
  const base = { value: describeValue(value), dims: formatDims(value.dims), layout: spec };
  const owner = new Map<string, string>();
  for (const dim of value.dims) {
    const own = rules.filter((candidate) => candidate.dim === dim.name);
    const axes = own.flatMap((rule) => program.mesh.filter((axis) => axis.name === rule.axis));
    if (axes.length === 0) continue;
    for (const axis of axes) {
      const other = owner.get(axis.name);
      if (other !== undefined) {
        out.push(diagnostic(validateMessages.axisReused, { ...base, axis: axis.name, first: other, second: dim.name }, loc));
      }
      owner.set(axis.name, dim.name);
    }
    const devices = axes.reduce((product, axis) => product * axis.size, 1);
    if (own[0].padded !== true && dim.size % devices !== 0) {
      const names = axes.map((axis) => axis.name);
      out.push(diagnostic(validateMessages.indivisible, { ...base, dim: dim.name, size: dim.size, notDivided: writeNotDividedBy(names, devices), axes: names.join(", "), devices }, loc));
    }
  }
}

function checkAxes(program: Program, rules: readonly LayoutRule[], value: Value, spec: string, loc: SourceLoc | undefined, out: Diagnostic[]): void {
  const axes = program.mesh.map((axis) => axis.name);
  for (const rule of rules) {
    if (!axes.includes(rule.axis)) {
      out.push(diagnostic(validateMessages.unknownAxis, {
        value: describeValue(value), dims: formatDims(value.dims), layout: spec, dim: rule.dim, axis: rule.axis, axes: axes.join(", "),
      }, loc));
    }
  }
}

/** The validate pass: returns the program unchanged, or throws a `CompileError` listing every problem. */
export function validate(program: Program): Program {
  const diagnostics: Diagnostic[] = [];
  const locs = definingLocs(program);
  const relayoutRules = rulesByValue(program);
  for (const op of walkOps(program.body)) {
    if (op.op !== "relayout") continue;
    const input = program.values.get(op.inputs[0]);
    if (!input) continue;
    const spec = formatRules(op.rules);
    checkAxes(program, op.rules, input, spec, op.loc, diagnostics);
    for (const rule of op.rules) {
      if (!input.dims.some((dim) => dim.name === rule.dim)) {
        diagnostics.push(diagnostic(validateMessages.relayoutUnknownDim, {
          value: describeValue(input), dims: formatDims(input.dims), layout: spec, dim: rule.dim,
        }, op.loc));
      }
    }
  }
  checkAxes(program, program.layout, { id: -1, dims: [], hint: `program ${program.name}` }, program.layoutSpec, program.loc, diagnostics);
  for (const value of program.values.values()) {
    const own = relayoutRules.get(value.id);
    const spec = own ? formatRules(own) : program.layoutSpec;
    checkValue(program, value, own ?? program.layout, spec, locs.get(value.id), diagnostics);
  }
  if (diagnostics.length > 0) throw new CompileError(dedupe(diagnostics));
  return program;
}

function dedupe(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((item) => {
    const key = `${item.code} ${item.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
