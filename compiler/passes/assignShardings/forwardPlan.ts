/**
 * One forward sweep of `propagate` over a global program, in program order
 * (each loop body once): every op's strategy from its operands' held
 * shardings and the constraints on its result (opRules.ts, targets.ts), and
 * every value's held sharding:
 *
 * - params, constants and relayouts are held in their target;
 * - any other op's result is held as the op computes it, except that an axis
 *   the constraints want split where the result is replicated is sliced
 *   (free), and an axis where `reduceOnce` decided that a pending sum is
 *   reduced for all its consumers is held reduced (reduceOnce.ts);
 * - loop carried values are held in their target on entry and brought back
 *   to it at the end of the body, except accumulators of pending sums, held
 *   pending with their zero init (accumulators.ts); an indexed value whose items are all held
 *   in one sharding (a layer's weights, or what an earlier loop yielded) is
 *   held in it, so the body converts it where an op needs (once per
 *   iteration, not once per item before the loop); otherwise in its target;
 * - a yielded value keeps the sharding its body value is held in (a pending
 *   sum stays pending for the loop that reads the items), except that items
 *   returned as program results are held in their target (converted in the
 *   body).
 *
 * It also records every read of every value (which sharding each consumer
 * needs it in, and how many times per call it runs), which reduceOnce reads.
 */
import { CompileError, diagnostic } from "../../diagnostics/diagnostic.ts";
import { loweringMessages } from "../../diagnostics/loweringMessages.ts";
import type { AxisState, Loop, Op, Program, Sharding, ValueId, ValueTree } from "../../ir/ir.ts";
import { isLoop, loopYields } from "../../ir/opAttrs.ts";
import { formatAxisState, formatLoc } from "../../ir/printer.ts";
import type { HeldSharding, OpStrategy } from "../../ir/shardingAssignment.ts";
import { axesSplitting, replicatedState, sameSharding } from "../../ir/sharding.ts";
import { describeValue, describeValueWithDims } from "../layoutRules.ts";
import { planOp } from "./opRules.ts";
import { Targets } from "./targets.ts";

/**
 * One read of a value: by an op (its output id), a loop's indexed value (its id: the items are read
 * into it), the items of a yield (the first item's id: the body value is read into them), another
 * loop entry or exit, or the program result; in the sharding it needs.
 */
export interface Read {
  readonly by: ValueId | "loop" | "result";
  readonly sharding: Sharding;
  /** How many times per call the read runs (the product of the enclosing loop counts). */
  readonly runs: number;
}

/** What a sweep decided, and what it saw. */
export interface ForwardPlan {
  readonly ops: Map<ValueId, OpStrategy>;
  readonly held: Map<ValueId, HeldSharding>;
  readonly results: Map<ValueId, Sharding>;
  readonly reads: Map<ValueId, Read[]>;
  /** Runs per call of the op or loop that defines each value. */
  readonly runs: Map<ValueId, number>;
  /** Every item a loop yields, with the body value it is (one per iteration). */
  readonly yielded: Map<ValueId, ValueId>;
}

/** Per value and axis, the state a pending reduction is brought to before any consumer reads it. */
export type ReducedAxes = ReadonlyMap<ValueId, Readonly<Record<string, AxisState>>>;

class ForwardSweep {
  readonly plan: ForwardPlan = { ops: new Map(), held: new Map(), results: new Map(), reads: new Map(), runs: new Map(), yielded: new Map() };
  private readonly targets: Targets;
  private runs = 1;
  /** The tensors of the program's result. */
  private readonly resultLeaves: ReadonlySet<ValueId>;

  constructor(private readonly program: Program, private readonly reduced: ReducedAxes, private readonly accumulated: ReducedAxes) {
    this.targets = new Targets(program);
    this.resultLeaves = new Set(treeLeaves(program.result));
  }

  held(id: ValueId): Sharding {
    return this.plan.held.get(id)?.sharding ?? bug(this.program, `%${id} is read before it is held`);
  }

  read(id: ValueId, sharding: Sharding, by: Read["by"]): void {
    this.record(id, { by, sharding, runs: this.runs });
  }

  /** The same read of every item of a loop's list (one record, shared: reads are read-only data). */
  readItems(items: readonly ValueId[], sharding: Sharding, by: Read["by"]): void {
    const read: Read = { by, sharding, runs: this.runs };
    for (const item of items) this.record(item, read);
  }

  private record(id: ValueId, read: Read): void {
    const list = this.plan.reads.get(id);
    if (list === undefined) this.plan.reads.set(id, [read]);
    else list.push(read);
  }

  hold(id: ValueId, held: HeldSharding): void {
    this.plan.held.set(id, held);
    this.plan.runs.set(id, this.runs);
  }

  op(op: Op): void {
    this.targets.pin(op);
    const target = this.targets.target(op.output);
    if (op.op === "relayout" && op.inputs.length === 2) return this.relayoutLike(op);
    if (op.op === "param" || op.op === "full" || op.op === "relayout") {
      const held = this.pending(op.output, target, "full");
      op.inputs.forEach((input) => this.read(input, held.sharding, op.output));
      this.plan.ops.set(op.output, { operands: op.inputs.map(() => held.sharding), output: held.sharding });
      this.hold(op.output, held);
      return;
    }
    const dimsOf = (id: ValueId): string[] => (this.program.values.get(id)?.dims ?? []).map((dim) => dim.name);
    const sizesOf = (id: ValueId): Record<string, number> => Object.fromEntries((this.program.values.get(id)?.dims ?? []).map((dim) => [dim.name, dim.size]));
    const operands = op.inputs.map((input) => ({ dims: dimsOf(input), sharding: this.held(input), sizes: sizesOf(input) }));
    const strategy = planOp(op, operands, dimsOf(op.output), target.sharding, this.program.mesh);
    if ("ambiguous" in strategy) this.ambiguous(op, strategy.ambiguous);
    op.inputs.forEach((input, index) => this.read(input, strategy.operands[index], op.output));
    this.plan.ops.set(op.output, strategy);
    this.hold(op.output, this.holdResult(op, strategy.output, target));
  }

  /** `target`, or for an accumulator's zero init, param and output (accumulators.ts), the target with its pending axes. */
  pending(id: ValueId, target: HeldSharding, op: string): HeldSharding {
    const axes = this.accumulated.get(id);
    return axes === undefined ? target : { sharding: { ...target.sharding, ...axes }, source: { kind: "op", op } };
  }

  /** A loop's output held as its carried value is, or where it is a pending accumulator that reduceOnce reduces, reduced. */
  reducedOutput(id: ValueId, carried: HeldSharding): HeldSharding {
    const reduced = this.reduced.get(id);
    const axes = Object.keys(reduced ?? {}).filter((axis) => carried.sharding[axis]?.kind === "partial");
    if (reduced === undefined || axes.length === 0) return carried;
    return { sharding: { ...carried.sharding, ...Object.fromEntries(axes.map((axis) => [axis, reduced[axis]])) }, source: { kind: "reducedOnce", axes } };
  }

  /** The held sharding of a computed result: free slices to the target's splits, then the reductions decided for it. */
  holdResult(op: Op, output: Sharding, target: { sharding: Sharding; source: HeldSharding["source"] }): HeldSharding {
    const wanted: Record<string, AxisState> = { ...output };
    const mesh = this.program.mesh;
    const dims = new Set(Object.values(target.sharding).flatMap((state) => (state.kind === "split" ? [state.dim] : [])));
    for (const dim of dims) {
      // a dim's target stack of axes (major first) is sliced onto, from the minor end of what the result holds, while the next axis is replicated
      const goal = axesSplitting(dim, target.sharding, mesh).map((axis) => axis.name);
      const held = axesSplitting(dim, wanted, mesh).map((axis) => axis.name);
      if (held.some((name, index) => goal[index] !== name)) continue;
      for (let index = held.length; index < goal.length && wanted[goal[index]].kind === "replicated"; index++) wanted[goal[index]] = target.sharding[goal[index]];
    }
    const sliced = !sameSharding(output, wanted);
    const reduced = this.reduced.get(op.output);
    if (reduced !== undefined) {
      const axes = Object.keys(reduced).filter((axis) => wanted[axis].kind === "partial");
      for (const axis of axes) wanted[axis] = reduced[axis];
      if (axes.length > 0) return { sharding: wanted, source: { kind: "reducedOnce", axes } };
    }
    return { sharding: wanted, source: sliced ? target.source : { kind: "op", op: op.op } };
  }

  /** A relayout with a second input (autodiff's relayoutLike): the first takes the second's held state, partial axes replicated. */
  relayoutLike(op: Op): void {
    const like = this.held(op.inputs[1]);
    const sharding: Sharding = Object.fromEntries(this.program.mesh.map((axis) => [axis.name, like[axis.name].kind === "partial" ? replicatedState : like[axis.name]]));
    this.read(op.inputs[0], sharding, op.output);
    this.plan.ops.set(op.output, { operands: [sharding], output: sharding });
    this.hold(op.output, { sharding, source: this.plan.held.get(op.inputs[1])?.source ?? { kind: "op", op: "relayout" } });
  }

  ambiguous(op: Op, found: { axis: string; dims: readonly string[] }): never {
    const value = (id: ValueId) => this.program.values.get(id) ?? bug(this.program, `%${id} has no value`);
    const operands = op.inputs.map((input) => `${describeValue(value(input))} ${formatAxisState(this.held(input)[found.axis])}`).join(", ");
    const args = {
      op: `${op.op} at ${formatLoc(op.loc)}`,
      axis: found.axis,
      operands,
      result: describeValueWithDims(value(op.output)),
      dims: found.dims.filter((dim) => value(op.output).dims.some((entry) => entry.name === dim))[0] ?? found.dims[0],
    };
    throw new CompileError([diagnostic(loweringMessages.ambiguousSplit, args, op.loc)]);
  }

  loop(loop: Loop): void {
    for (const entry of loop.carried) {
      const target = this.pending(entry.param, this.targets.target(entry.param), "add");
      this.read(entry.init, target.sharding, "loop");
      this.hold(entry.param, target);
      this.hold(entry.output, this.reducedOutput(entry.output, target));
    }
    for (const entry of loop.indexed) {
      const shared = this.plan.held.get(entry.items[0]);
      const same = shared !== undefined && entry.items.every((item) => {
        const held = this.plan.held.get(item);
        return held === shared || sameSharding(held?.sharding, shared.sharding);
      });
      const reduced = this.reduced.get(entry.param);
      const held = same ? (reduced === undefined ? shared : { sharding: { ...shared.sharding, ...reduced }, source: { kind: "reducedOnce" as const, axes: Object.keys(reduced) } }) : this.targets.target(entry.param);
      this.readItems(entry.items, held.sharding, entry.param);
      this.hold(entry.param, held);
    }
    const outer = this.runs;
    this.runs = outer * loop.count;
    for (const entry of loop.carried) this.plan.runs.set(entry.param, this.runs);
    for (const entry of loop.indexed) this.plan.runs.set(entry.param, this.runs);
    this.block(loop.body);
    for (const entry of loop.carried) this.read(entry.result, this.held(entry.param), "loop");
    const yielded = loopYields(loop).map((entry) => {
      const returned = entry.items.some((item) => this.resultLeaves.has(item));
      const held = returned ? this.targets.target(entry.items[0]) : (this.plan.held.get(entry.result) ?? bug(this.program, `%${entry.result} is yielded before it is held`));
      this.read(entry.result, held.sharding, entry.items[0]);
      return { entry, held };
    });
    this.runs = outer;
    for (const { entry, held } of yielded) {
      for (const item of entry.items) {
        this.hold(item, held);
        this.plan.yielded.set(item, entry.result);
      }
    }
  }

  block(block: readonly (Op | Loop)[]): void {
    for (const statement of block) {
      if (isLoop(statement)) this.loop(statement);
      else this.op(statement);
    }
  }

  result(tree: ValueTree): void {
    if (tree.kind === "tensor") {
      const target = this.targets.target(tree.value).sharding;
      this.plan.results.set(tree.value, target);
      this.read(tree.value, target, "result");
    } else if (tree.kind === "array") tree.items.forEach((item) => this.result(item));
    else Object.values(tree.fields).forEach((item) => this.result(item));
  }
}

function treeLeaves(tree: ValueTree, out: ValueId[] = []): ValueId[] {
  if (tree.kind === "tensor") out.push(tree.value);
  else if (tree.kind === "array") tree.items.forEach((item) => treeLeaves(item, out));
  else Object.values(tree.fields).forEach((item) => treeLeaves(item, out));
  return out;
}

function bug(program: Program, message: string): never {
  throw new Error(`assignShardings "${program.name}": ${message}`);
}

/**
 * One forward sweep (see the module comment) with the reductions and the pending accumulators decided so far.
 * Throws MT3001 where an op's split is ambiguous.
 */
export function planForward(program: Program, reduced: ReducedAxes, accumulated: ReducedAxes = new Map()): ForwardPlan {
  const sweep = new ForwardSweep(program, reduced, accumulated);
  sweep.block(program.body);
  sweep.result(program.result);
  return sweep.plan;
}
