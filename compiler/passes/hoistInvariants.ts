/**
 * hoistInvariants: loop-invariant code motion. An op in a loop body whose
 * inputs are all defined outside the loop (or by other such ops) computes
 * the same value in every iteration, so it moves in front of the loop: the
 * causal mask and the `1/sqrt(d_head)` of an attention layer are built once
 * per step instead of once per layer. Ops of the IR have no side effects
 * (`random` is a function of its seed and name), so the move never changes
 * a value. Inner loops are hoisted first, and what leaves them may leave the
 * outer loop too.
 *
 * Autodiff runs the same function on the loops it differentiates before it
 * reads them, so an invariant is neither saved per iteration for the
 * backward nor recomputed there.
 */
import type { Block, Loop, Op, Program, ValueId } from "../ir/ir.ts";
import { isLoop, loopOutputs } from "../ir/opAttrs.ts";

/** A loop with its invariant ops taken out: the ops to put in front of it (in order), and the loop without them. */
export interface HoistedLoop {
  readonly hoisted: readonly Op[];
  readonly loop: Loop;
}

/** Take the invariant ops out of `loop` (see the module comment). */
export function hoistLoop(loop: Loop): HoistedLoop {
  const inside = new Set<ValueId>([...loop.carried.map((entry) => entry.param), ...loop.indexed.map((entry) => entry.param)]);
  const hoisted: Op[] = [];
  const body: (Op | Loop)[] = [];
  let changed = false;
  const place = (op: Op): void => {
    if (op.op !== "param" && op.inputs.every((input) => !inside.has(input))) {
      hoisted.push(op);
    } else {
      body.push(op);
      inside.add(op.output);
    }
  };
  for (const statement of loop.body) {
    if (!isLoop(statement)) {
      place(statement);
      continue;
    }
    const inner = hoistLoop(statement);
    changed ||= inner.loop !== statement;
    inner.hoisted.forEach(place);
    body.push(inner.loop);
    loopOutputs(inner.loop).forEach((id) => inside.add(id));
  }
  if (hoisted.length === 0 && !changed) return { hoisted, loop };
  return { hoisted, loop: { ...loop, body } };
}

/** Hoist the invariants of every loop of `block` (nested ones included). */
export function hoistBlock(block: Block): Block {
  const out: (Op | Loop)[] = [];
  for (const statement of block) {
    if (!isLoop(statement)) {
      out.push(statement);
      continue;
    }
    const { hoisted, loop } = hoistLoop(statement);
    out.push(...hoisted, loop);
  }
  return out;
}

/** The hoistInvariants pass (see the module comment). */
export function hoistInvariants(program: Program): Program {
  return { ...program, body: hoistBlock(program.body) };
}
