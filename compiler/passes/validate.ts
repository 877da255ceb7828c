/**
 * validate: check that the layout can hold every value of the program, before
 * anything is lowered. For every value (intermediates and loop values too):
 * no two of its dims on one mesh axis, and every split dim divisible by the
 * product of its axes, unless its rule is `padded(...)`. For every relayout:
 * its rules name mesh axes and dims of the value.
 *
 * Each problem is reported once per root cause, where the user wrote it:
 * two rules that put dims of one tensor on one axis, at the layout rule (or
 * the relayout) with the first such tensor as a note; a size an axis does not
 * divide, at the `dims({...})` entry (or the `mesh({...})` entry when the axis
 * is larger than the dim), with the other entries as notes; an unknown axis,
 * at its rule. Tensors are named by their source names and dims, never by IR
 * ids. Throws one `CompileError` listing every problem.
 */
import { writeNotDividedBy } from "../../dsl/messages/layout.ts";
import { formatRules, type LayoutRule } from "../../dsl/parseLayout.ts";
import { CompileError, diagnostic, reportedAt, type Diagnostic, type DiagnosticNote } from "../diagnostics/diagnostic.ts";
import { validateMessages } from "../diagnostics/validateMessages.ts";
import type { MeshAxis } from "../../dsl/mesh.ts";
import type { Op, Program, SourceLoc, Value } from "../ir/ir.ts";
import { walkOps } from "../ir/opAttrs.ts";
import { formatDims } from "../ir/printer.ts";
import { definingLocs, rulesByValue } from "./layoutRules.ts";

type RelayoutOp = Extract<Op, { op: "relayout" }>;

/** Where a rule comes from: the program's layout, or one relayout. */
type Origin = { readonly kind: "layout" } | { readonly kind: "relayout"; readonly op: RelayoutOp; readonly key: number };

/** The tensors of one root cause, in program order. */
interface Group<Cause> {
  readonly cause: Cause;
  readonly values: Value[];
}

const layoutOrigin: Origin = { kind: "layout" };

function specOf(rules: readonly LayoutRule[]): string {
  return formatRules(rules);
}

/** `` `h` [batch=8 d_ff=32] `` or `a tensor [batch=8 d_ff=32]`. */
export function tensorName(value: Value): string {
  return value.hint === undefined ? `a tensor ${formatDims(value.dims)}` : `\`${value.hint}\` ${formatDims(value.dims)}`;
}

/** A note at `loc` (moved to the user's call site, with the library line as a further note). */
function noteAt(message: string, loc: SourceLoc | undefined): DiagnosticNote[] {
  if (loc === undefined) return [];
  const at = reportedAt(loc);
  return [{ message, loc: at.loc }, ...at.notes];
}

function add<Cause>(groups: Map<string, Group<Cause>>, key: string, cause: Cause, value: Value): void {
  const group = groups.get(key) ?? { cause, values: [] };
  group.values.push(value);
  groups.set(key, group);
}

class Validation {
  readonly diagnostics: Diagnostic[] = [];
  private readonly locs: ReadonlyMap<number, SourceLoc>;
  private readonly origins = new Map<LayoutRule, Origin>();

  constructor(private readonly program: Program) {
    this.locs = definingLocs(program);
    for (const rule of program.layout) this.origins.set(rule, layoutOrigin);
    let key = 0;
    for (const op of walkOps(program.body)) {
      if (op.op !== "relayout") continue;
      const origin: Origin = { kind: "relayout", op, key: key++ };
      for (const rule of op.rules) this.origins.set(rule, origin);
    }
  }

  private originOf(rule: LayoutRule): Origin {
    return this.origins.get(rule) ?? layoutOrigin;
  }

  /** Where `rule` is written among its origin's rules. */
  private ruleIndex(rule: LayoutRule, origin: Origin): number {
    return (origin.kind === "relayout" ? origin.op.rules : this.program.layout).indexOf(rule);
  }

  private originText(origin: Origin, capital: boolean): string {
    if (origin.kind === "relayout") return `relayout(..., "${specOf(origin.op.rules)}")`;
    return `${capital ? "Layout" : "layout"} "${this.program.layoutSpec}"`;
  }

  private get sources() {
    return this.program.sources ?? {};
  }

  /** Unknown axes in the layout (at the rule) and in relayouts (at the call); relayout rules naming a dim the tensor lacks. */
  checkRules(): void {
    const axes = this.program.mesh.map((axis) => axis.name);
    const report = (origin: string, rule: LayoutRule, loc: SourceLoc | undefined): void => {
      if (axes.includes(rule.axis)) return;
      this.diagnostics.push(diagnostic(validateMessages.unknownAxis, {
        program: this.program.name, origin, dim: rule.dim, axis: rule.axis, axes: axes.join(", "),
      }, loc));
    };
    for (const rule of this.program.layout) {
      report(`Layout "${this.program.layoutSpec}"`, rule, this.sources.layoutRules?.[rule.dim] ?? this.sources.layout ?? this.program.loc);
    }
    for (const op of walkOps(this.program.body)) {
      if (op.op !== "relayout") continue;
      const input = this.program.values.get(op.inputs[0]);
      if (!input) continue;
      const spec = specOf(op.rules);
      for (const rule of op.rules) report(`relayout(${tensorName(input)}, "${spec}")`, rule, op.loc);
      for (const rule of op.rules) {
        if (input.dims.some((dim) => dim.name === rule.dim)) continue;
        this.diagnostics.push(diagnostic(validateMessages.relayoutUnknownDim, { spec, dim: rule.dim, value: tensorName(input) }, op.loc));
      }
    }
  }

  /** Two dims on one axis, and sizes the axes of a rule do not divide: grouped by root cause, then reported. */
  checkValues(): void {
    const conflicts = new Map<string, Group<{ axis: string; first: LayoutRule; second: LayoutRule; origin: Origin }>>();
    const indivisible = new Map<string, Group<{ axes: readonly MeshAxis[]; rule: LayoutRule; size: number; origin: Origin }>>();
    const relayoutRules = rulesByValue(this.program);
    for (const value of this.program.values.values()) {
      const rules = relayoutRules.get(value.id) ?? this.program.layout;
      const owner = new Map<string, LayoutRule>();
      for (const dim of value.dims) {
        // A dim may be split over several axes (`batch:(data, fsdp)`): one rule entry per axis, major first.
        const own = rules.filter((candidate) => candidate.dim === dim.name && this.program.mesh.some((axis) => axis.name === candidate.axis));
        if (own.length === 0) continue;
        const origin = this.originOf(own[0]);
        const originKey = origin.kind === "layout" ? "layout" : `relayout${origin.key}`;
        const axes = own.map((rule) => this.program.mesh.find((axis) => axis.name === rule.axis) as MeshAxis);
        for (const rule of own) {
          const other = owner.get(rule.axis);
          if (other !== undefined && other.dim !== rule.dim) {
            // One root cause per pair of rules, whichever order the tensor has the dims in: the rules in the order they are written.
            const [first, second] = this.ruleIndex(other, origin) <= this.ruleIndex(rule, origin) ? [other, rule] : [rule, other];
            add(conflicts, [rule.axis, first.dim, second.dim, originKey].join("\u0000"), { axis: rule.axis, first, second, origin }, value);
          }
          owner.set(rule.axis, rule);
        }
        const devices = axes.reduce((product, axis) => product * axis.size, 1);
        if (own[0].padded !== true && dim.size % devices !== 0) {
          add(indivisible, [dim.name, dim.size, axes.map((axis) => axis.name).join(","), originKey].join("\u0000"), { axes, rule: own[0], size: dim.size, origin }, value);
        }
      }
    }
    for (const { cause, values } of conflicts.values()) this.reportConflict(cause, values);
    for (const { cause, values } of indivisible.values()) this.reportIndivisible(cause, values);
  }

  private reportConflict(cause: { axis: string; first: LayoutRule; second: LayoutRule; origin: Origin }, values: readonly Value[]): void {
    const { axis, first, second, origin } = cause;
    const example = values[0];
    const madeAt = this.locs.get(example.id);
    const rules = `rules "${first.dim}:${first.axis}" and "${second.dim}:${second.axis}"`;
    const ruleLocs = this.sources.layoutRules ?? {};
    const at = origin.kind === "relayout" ? origin.op.loc : ruleLocs[second.dim] ?? this.sources.layout ?? madeAt ?? this.program.loc;
    const notes: DiagnosticNote[] = [];
    if (origin.kind === "layout" && ruleLocs[first.dim]) notes.push({ message: `the other rule, "${first.dim}:${first.axis}", is here`, loc: ruleLocs[first.dim] });
    notes.push(...noteAt(`the first tensor with both dims, ${tensorName(example)}, is made here`, madeAt));
    this.diagnostics.push(diagnostic(validateMessages.axisReused, {
      program: this.program.name, origin: this.originText(origin, true), first: first.dim, second: second.dim, axis, rules, count: values.length, example: tensorName(example),
    }, at, notes));
  }

  private reportIndivisible(cause: { axes: readonly MeshAxis[]; rule: LayoutRule; size: number; origin: Origin }, values: readonly Value[]): void {
    const { axes, rule, size, origin } = cause;
    const dim = rule.dim;
    const names = axes.map((axis) => axis.name);
    const devices = axes.reduce((product, axis) => product * axis.size, 1);
    const declared = origin.kind === "layout" && this.sources.dimSizes?.[dim] === size;
    const dimsEntry = declared ? this.sources.dims?.[dim] : undefined;
    const ruleEntry = origin.kind === "layout" ? this.sources.layoutRules?.[dim] : undefined;
    const madeAt = this.locs.get(values[0].id);
    const meshEntries = axes.map((axis) => ({ message: `mesh axis "${axis.name}" is declared with size ${axis.size} here`, loc: this.sources.mesh?.[axis.name] }));
    const dimsNote = { message: `"${dim}" is declared with size ${size} here`, loc: dimsEntry };
    const ruleNote = { message: `rule "${formatRules(this.rulesOf(dim, origin))}" splits "${dim}" over ${names.map((name) => `"${name}"`).join(" and ")} here`, loc: ruleEntry };
    // The mesh is the fault when one axis has more devices than the dim has entries (e.g. mesh({ data: 2147483648 })); else the size.
    const meshFault = declared && axes.length === 1 && axes[0].size > size && meshEntries[0].loc !== undefined;
    const blamed = !declared ? undefined : meshFault ? meshEntries[0] : dimsEntry ? dimsNote : undefined;
    const at = origin.kind === "relayout" ? origin.op.loc : blamed?.loc ?? madeAt ?? this.program.loc;
    const notes: DiagnosticNote[] = [dimsNote, ...meshEntries, ruleNote]
      .filter((entry) => entry !== blamed && entry.loc !== undefined)
      .map((entry) => ({ message: entry.message, loc: entry.loc }));
    if (!declared) notes.push(...noteAt(`${tensorName(values[0])} is made here`, madeAt));
    this.diagnostics.push(diagnostic(validateMessages.indivisible, {
      program: this.program.name, origin: this.originText(origin, false), dim, size, notDivided: writeNotDividedBy(names, devices),
      over: names.map((name) => `"${name}"`).join(" and "), axes: names.join(", "), devices,
      subject: declared ? "" : ` of ${tensorName(values[0])}`, meshFault,
    }, at, notes));
  }

  /** The entries of the rule for `dim` in `origin`'s rules. */
  private rulesOf(dim: string, origin: Origin): LayoutRule[] {
    return (origin.kind === "relayout" ? origin.op.rules : this.program.layout).filter((rule) => rule.dim === dim);
  }
}

/** The validate pass: returns the program unchanged, or throws a `CompileError` listing every problem, once per root cause. */
export function validate(program: Program): Program {
  const validation = new Validation(program);
  validation.checkRules();
  validation.checkValues();
  if (validation.diagnostics.length > 0) throw new CompileError(validation.diagnostics);
  return program;
}
