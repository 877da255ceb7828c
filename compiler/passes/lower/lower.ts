/**
 * lower: turn a global program into a device program. Every value gets one
 * state per mesh axis (split(dim) | replicated | partial) and local dims;
 * collectives appear as ops (conversionTable.ts). Params take their states
 * from the layout; each op asks for its operands in the states it can work on
 * (axisPlan.ts, singlePlans.ts) and leaves its result in the state that
 * follows; a result that the layout wants split where it is replicated is
 * sliced at once (free); partial results stay partial until a consumer needs
 * them reduced (lazily, as a reduce-scatter where the consumer wants a split).
 * A value converted to one sharding is converted once per block and reused by
 * every later consumer in that block and in the loop bodies inside it
 * (conversionCache.ts).
 * Loops are lowered once: carried values take the layout's states at entry
 * and are converted back to them at the end of the body; indexed values
 * whose items share one state keep it (else they take the layout's); a
 * yielded value keeps its state (the layout's, inside the body, when the
 * items are program results). The result
 * is converted to the layout's states (never partial). conv2d has its own
 * rule with halo exchanges for split spatial dims (lowerConv.ts).
 * A `relayout` pins its rules (like GSPMD's sharding constraint, propagated):
 * a value computed from a pinned operand keeps every pinned `dim:axis` whose
 * dim it has (in a size the axis divides), as its target on that axis (instead of the layout's rule for
 * that axis or dim), until another relayout sets new pins. Programs without
 * relayout have no pins.
 */
import { CompileError, diagnostic } from "../../diagnostics/diagnostic.ts";
import { loweringMessages } from "../../diagnostics/loweringMessages.ts";
import type { LayoutRule } from "../../../dsl/parseLayout.ts";
import type { AxisState, Loop, Op, Program, Sharding, SourceLoc, ValueId, ValueTree } from "../../ir/ir.ts";
import { isLoop, loopYields } from "../../ir/opAttrs.ts";
import { formatAxisState, formatLoc } from "../../ir/printer.ts";
import { ProgramRewriter } from "../../ir/rewriter.ts";
import { localDimsOf, replicatedState, sameSharding, targetSharding } from "../../ir/sharding.ts";
import { describeValue, describeValueWithDims, overrideRules, rulesByValue } from "../layoutRules.ts";
import {
  keepWhenAllPartialMax, keepWhenAllPartialSum, keepWhenFirstPartialSum, keepWhenOnePartialSum, planOperands, reducePartials,
  type KeepPartial,
} from "./axisPlan.ts";
import { ConversionCache } from "./conversionCache.ts";
import { planConversion } from "./conversionTable.ts";
import { lowerConv } from "./lowerConv.ts";
import { planSingle } from "./singlePlans.ts";

/** How a multi-operand op treats partial operands, and which dims it cannot keep split; undefined for single-operand ops. */
function multiOperandRule(op: Op): { keep: KeepPartial; excluded: ReadonlySet<string> } | undefined {
  switch (op.op) {
    case "binary":
      if (op.scalar) return undefined;
      if (op.fn === "add" || op.fn === "sub") return { keep: keepWhenAllPartialSum, excluded: new Set() };
      if (op.fn === "mul") return { keep: keepWhenOnePartialSum, excluded: new Set() };
      if (op.fn === "div") return { keep: keepWhenFirstPartialSum, excluded: new Set() };
      if (op.fn === "maximum") return { keep: keepWhenAllPartialMax, excluded: new Set() };
      return { keep: reducePartials, excluded: new Set() };
    case "where":
      return { keep: reducePartials, excluded: new Set() };
    case "einsum":
      return { keep: keepWhenOnePartialSum, excluded: new Set() };
    case "concat":
      return { keep: keepWhenAllPartialSum, excluded: new Set([op.dim]) };
    case "gather":
      return { keep: keepWhenFirstPartialSum, excluded: new Set([op.dim]) };
    default:
      return undefined;
  }
}

function treeLeaves(tree: ValueTree, out: ValueId[] = []): ValueId[] {
  if (tree.kind === "tensor") out.push(tree.value);
  else if (tree.kind === "array") tree.items.forEach((item) => treeLeaves(item, out));
  else Object.values(tree.fields).forEach((item) => treeLeaves(item, out));
  return out;
}

class Lowerer {
  readonly rewriter: ProgramRewriter;
  readonly mesh: Program["mesh"];
  private readonly current = new Map<ValueId, ValueId>();
  private readonly conversions: ConversionCache;
  private readonly relayoutRules: ReadonlyMap<ValueId, readonly LayoutRule[]>;
  /** The relayout rules each value carries (see the module comment); absent for unpinned values. */
  private readonly pins = new Map<ValueId, readonly LayoutRule[]>();
  /** The tensors of the program's result. */
  private readonly resultLeaves: ReadonlySet<ValueId>;

  constructor(private readonly program: Program) {
    this.rewriter = new ProgramRewriter(program);
    this.resultLeaves = new Set(treeLeaves(program.result));
    this.mesh = program.mesh;
    this.relayoutRules = rulesByValue(program);
    this.conversions = new ConversionCache(program.mesh);
  }

  /** The sharding the layout (or a relayout) asks for value `id`. */
  target(id: ValueId): Sharding {
    const pinned = this.pins.get(id);
    const rules = this.relayoutRules.get(id) ?? (pinned ? overrideRules(this.program.layout, pinned) : this.program.layout);
    return targetSharding(this.rewriter.value(id).dims, this.program.mesh, rules);
  }

  /**
   * Set the pins of `op`'s result before it is lowered: a relayout's own
   * rules; a relayoutLike's, those of the value it follows; any other op's,
   * its operands' pins whose dim the result has, in a size the axis divides
   * (a dim or axis pinned two different ways by different operands is not pinned).
   */
  pin(op: Op): void {
    if (op.op === "relayout") {
      const own = op.inputs.length === 2 ? this.pins.get(op.inputs[1]) : op.rules;
      if (own && own.length > 0) this.pins.set(op.output, own);
      return;
    }
    const outDims = this.rewriter.value(op.output).dims;
    const fits = (rule: LayoutRule): boolean => {
      const size = outDims.find((dim) => dim.name === rule.dim)?.size;
      const axis = this.program.mesh.find((entry) => entry.name === rule.axis);
      return size !== undefined && axis !== undefined && size % axis.size === 0;
    };
    const found: LayoutRule[] = [];
    for (const input of op.inputs) {
      for (const rule of this.pins.get(input) ?? []) if (fits(rule) && !found.some((other) => other.dim === rule.dim && other.axis === rule.axis)) found.push(rule);
    }
    const kept = found.filter((rule) => !found.some((other) => other !== rule && (other.dim === rule.dim || other.axis === rule.axis)));
    if (kept.length > 0) this.pins.set(op.output, kept);
  }

  sharding(id: ValueId): Sharding {
    return this.rewriter.value(id).sharding ?? this.bug(`%${id} has no sharding yet`);
  }

  bug(message: string): never {
    throw new Error(`lower "${this.program.name}": ${message}`);
  }

  /** Give a value of the source program its sharding and local dims. */
  define(id: ValueId, sharding: Sharding): void {
    const value = this.rewriter.value(id);
    this.rewriter.setValue({ ...value, sharding, localDims: localDimsOf(value.dims, sharding, this.program.mesh) });
  }

  /** The value that stands for source value `id` now (after an eager slice, its sliced version). */
  use(id: ValueId): ValueId {
    return this.current.get(id) ?? id;
  }

  /** `id` in sharding `to`: the same value, a cached conversion, or new collectives. */
  convert(id: ValueId, to: Sharding, loc: SourceLoc): ValueId {
    const from = this.sharding(id);
    if (sameSharding(from, to)) return id;
    const hit = this.conversions.get(id, to);
    if (hit !== undefined) return hit;
    const value = this.rewriter.value(id);
    let input = id;
    for (const step of planConversion(from, to, this.program.mesh)) {
      const localDims = localDimsOf(value.dims, step.after, this.program.mesh);
      const output = this.rewriter.newValue(value.dims, value.hint, step.after, localDims);
      this.rewriter.emit({ ...step.attrs, inputs: [input], output, loc } as Op);
      input = output;
    }
    this.conversions.set(id, to, input);
    return input;
  }

  /** Slice a result the layout wants split where it is replicated (no communication). */
  followTarget(id: ValueId, loc: SourceLoc): void {
    const sharding = this.sharding(id);
    const target = this.target(id);
    const wanted: Record<string, AxisState> = { ...sharding };
    for (const { name } of this.program.mesh) {
      const goal = target[name];
      if (sharding[name].kind !== "replicated" || goal.kind !== "split") continue;
      const taken = Object.values(wanted).some((state) => state.kind === "split" && state.dim === goal.dim);
      if (!taken) wanted[name] = goal;
    }
    if (!sameSharding(sharding, wanted)) this.current.set(id, this.convert(id, wanted, loc));
  }

  op(op: Op): void {
    this.pin(op);
    if (op.op === "conv2d") return lowerConv(this, op);
    const inputs = op.inputs.map((input) => this.use(input));
    if (op.op === "relayout" && inputs.length === 2) return this.relayoutLike(op, inputs[0], inputs[1]);
    if (op.op === "param" || op.op === "full" || op.op === "relayout") {
      const target = this.target(op.output);
      const converted = inputs.map((input) => this.convert(input, target, op.loc));
      this.define(op.output, target);
      this.rewriter.emit({ ...op, inputs: converted });
      return;
    }
    const outTarget = this.target(op.output);
    const outDims = this.rewriter.value(op.output).dims.map((dim) => dim.name);
    const dimsOf = (id: ValueId): string[] => this.rewriter.value(id).dims.map((dim) => dim.name);
    let operandStates: readonly Sharding[];
    let output: Sharding;
    const rule = multiOperandRule(op);
    if (op.op === "iota" || op.op === "random") {
      operandStates = [];
      output = Object.fromEntries(this.program.mesh.map((axis) => [axis.name, replicatedState]));
    } else if (rule) {
      const operands = inputs.map((input) => ({ dims: dimsOf(input), sharding: this.sharding(input) }));
      const plan = planOperands({ operands, outDims, outTarget, mesh: this.program.mesh, excluded: rule.excluded, keepPartial: rule.keep });
      if ("ambiguous" in plan) this.ambiguous(op, inputs, plan.ambiguous);
      operandStates = plan.operands;
      output = plan.output;
    } else {
      const plan = planSingle({ op, operand: this.sharding(inputs[0]), operandDims: dimsOf(inputs[0]), outTarget, mesh: this.program.mesh });
      operandStates = [plan.operand];
      output = plan.output;
    }
    const converted = inputs.map((input, index) => this.convert(input, operandStates[index], op.loc));
    this.define(op.output, output);
    this.rewriter.emit({ ...op, inputs: converted });
    this.followTarget(op.output, op.loc);
  }

  /**
   * A relayout with a second input (`relayoutLike`, from autodiff): the first
   * takes the state the second has now, partial axes replicated; the lowered
   * op keeps only the first input.
   */
  relayoutLike(op: Op, input: ValueId, like: ValueId): void {
    const state = this.sharding(like);
    const target: Sharding = Object.fromEntries(this.program.mesh.map((axis) => [axis.name, state[axis.name].kind === "partial" ? replicatedState : state[axis.name]]));
    const converted = this.convert(input, target, op.loc);
    this.define(op.output, target);
    this.rewriter.emit({ ...op, inputs: [converted] });
  }

  ambiguous(op: Op, inputs: readonly ValueId[], found: { axis: string; dims: readonly string[] }): never {
    const operands = inputs
      .map((input) => `${describeValue(this.rewriter.value(input))} ${formatAxisState(this.sharding(input)[found.axis])}`)
      .join(", ");
    const args = {
      op: `${op.op} at ${formatLoc(op.loc)}`,
      axis: found.axis,
      operands,
      result: describeValueWithDims(this.rewriter.value(op.output)),
      dims: found.dims.filter((dim) => this.rewriter.value(op.output).dims.some((entry) => entry.name === dim))[0] ?? found.dims[0],
    };
    throw new CompileError([diagnostic(loweringMessages.ambiguousSplit, args, op.loc)]);
  }

  loop(loop: Loop): void {
    const carried = loop.carried.map((entry) => {
      const target = this.target(entry.param);
      this.define(entry.param, target);
      this.define(entry.output, target);
      return { ...entry, init: this.convert(this.use(entry.init), target, loop.loc) };
    });
    const indexed = loop.indexed.map((entry) => {
      // Items that all have one sharding (a layer's weights, or what an earlier loop yielded) are read as they are,
      // and converted inside the body where an op needs it (once per iteration, not once per item before the loop).
      const items = entry.items.map((item) => this.use(item));
      const shared = this.sharding(items[0]);
      if (items.every((item) => sameSharding(this.sharding(item), shared))) {
        this.define(entry.param, shared);
        return { ...entry, items };
      }
      const target = this.target(entry.param);
      this.define(entry.param, target);
      return { ...entry, items: items.map((item) => this.convert(item, target, loop.loc)) };
    });
    this.rewriter.openBlock();
    this.conversions.enterBlock();
    this.block(loop.body);
    const results = carried.map((entry) => this.convert(this.use(entry.result), this.sharding(entry.param), loop.loc));
    // A yielded value keeps its state (a pending sum stays pending, for the loop that reads the items),
    // unless the items are program results: then it takes the layout's state inside the body.
    const yields = loopYields(loop).map((entry) => {
      const value = this.use(entry.result);
      const result = entry.items.some((item) => this.resultLeaves.has(item)) ? this.convert(value, this.target(entry.items[0]), loop.loc) : value;
      const sharding = this.sharding(result);
      entry.items.forEach((item) => this.define(item, sharding));
      return { ...entry, result };
    });
    this.conversions.exitBlock();
    const body = this.rewriter.closeBlock();
    this.rewriter.emit({ ...loop, carried: carried.map((entry, index) => ({ ...entry, result: results[index] })), indexed, ...(yields.length > 0 ? { yields } : {}), body });
  }

  block(block: readonly (Op | Loop)[]): void {
    for (const statement of block) {
      if (isLoop(statement)) this.loop(statement);
      else this.op(statement);
    }
  }

  result(tree: ValueTree): ValueTree {
    switch (tree.kind) {
      case "tensor":
        return { kind: "tensor", value: this.convert(this.use(tree.value), this.target(tree.value), this.program.loc) };
      case "array":
        return { kind: "array", items: tree.items.map((item) => this.result(item)) };
      case "object":
        return { kind: "object", fields: Object.fromEntries(Object.entries(tree.fields).map(([field, item]) => [field, this.result(item)])) };
    }
  }
}

/** The lower pass (see the module comment). Throws a `CompileError` (MT3xxx) where the layout leaves a choice open. */
export function lower(program: Program): Program {
  if (program.stage !== "global") throw new Error(`lower: program "${program.name}" is already lowered`);
  const lowerer = new Lowerer(program);
  lowerer.block(program.body);
  const result = lowerer.result(program.result);
  return { ...program, stage: "lowered", body: lowerer.rewriter.body(), result, values: lowerer.rewriter.values };
}
