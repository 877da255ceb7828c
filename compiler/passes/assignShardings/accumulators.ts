/**
 * Loop-carried sums kept pending across iterations.
 *
 * A loop that adds a pending sum to a carried value every iteration (the
 * reverse loop of a training step sums the cotangent of a value every layer
 * reads: T5's relative position bias, an encoder output read by every
 * decoder layer's cross-attention, a weight shared by the layers) would
 * otherwise hold the carried value in its target (replicated) and reduce the
 * addend every iteration. Here the carried value is held pending too, on
 * the axes where its addend is pending: the sum of pending sums is a pending
 * sum, and `reduceOnce` then reduces it once after the loop, where it is
 * cheapest (the cotangent of the bias table, not of the bias).
 *
 * A carried entry is such an accumulator on an axis when its init is a
 * zero fill read only by the loop (zeros are a pending sum in any state,
 * so holding the fill pending is exact and free), its body result is
 * `add(param, addend)` with the addend held pending on the axis, the param
 * is read only by that add, and the param is held replicated on the axis.
 */
import type { AxisState, Block, Loop, Op, Program, ValueId } from "../../ir/ir.ts";
import { isLoop } from "../../ir/opAttrs.ts";
import type { ForwardPlan, ReducedAxes } from "./forwardPlan.ts";

/** Accumulators newly found pending in `plan`: the init, param and output of each, with the axes held pending (empty at the fixpoint). */
export function placeAccumulators(program: Program, plan: ForwardPlan, decided: ReducedAxes): { readonly value: ValueId; readonly axes: Record<string, AxisState> }[] {
  const definitions = new Map<ValueId, Op>();
  const loops: Loop[] = [];
  const walk = (block: Block): void => {
    for (const statement of block) {
      if (isLoop(statement)) {
        loops.push(statement);
        walk(statement.body);
      } else definitions.set(statement.output, statement);
    }
  };
  walk(program.body);
  const found: { value: ValueId; axes: Record<string, AxisState> }[] = [];
  for (const loop of loops) {
    for (const entry of loop.carried) {
      const init = definitions.get(entry.init);
      const sum = definitions.get(entry.result);
      if (init?.op !== "full" || init.value !== 0 || sum?.op !== "binary" || sum.fn !== "add" || sum.scalar !== undefined) continue;
      const addend = sum.inputs[0] === entry.param ? sum.inputs[1] : sum.inputs[1] === entry.param ? sum.inputs[0] : undefined;
      if (addend === undefined || addend === entry.param) continue;
      if (!(plan.reads.get(entry.init) ?? []).every((read) => read.by === "loop")) continue;
      if (!(plan.reads.get(entry.param) ?? []).every((read) => read.by === entry.result)) continue;
      const held = plan.held.get(entry.param)?.sharding;
      const addendHeld = plan.held.get(addend)?.sharding;
      if (held === undefined || addendHeld === undefined) continue;
      const axes: Record<string, AxisState> = {};
      for (const axis of program.mesh) {
        const state = addendHeld[axis.name];
        if (state?.kind === "partial" && held[axis.name]?.kind === "replicated" && decided.get(entry.param)?.[axis.name] === undefined) axes[axis.name] = state;
      }
      if (Object.keys(axes).length === 0) continue;
      for (const value of [entry.init, entry.param, entry.output]) found.push({ value, axes });
    }
  }
  return found;
}
