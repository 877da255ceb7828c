/**
 * The `propagate` strategy: sharding completion from the user's constraints
 * (GSPMD-style), deterministic and fast. Each forward sweep (forwardPlan.ts)
 * carries the layout's rules, relayout pins and weight-update rules through
 * every op's sharding rule in program order; then reduceOnce.ts decides,
 * for the whole program, where the pending sums the sweep left are reduced,
 * and accumulators.ts which loop-carried sums stay pending across iterations.
 * Held reductions and pending accumulators only grow (a value once held reduced stays so), so the
 * fixpoint is reached after at most one sweep per pending value and axis;
 * in practice two or three.
 */
import type { AxisState, Program, ValueId } from "../../ir/ir.ts";
import type { ShardingAssignment } from "../../ir/shardingAssignment.ts";
import { planForward } from "./forwardPlan.ts";
import { placeAccumulators } from "./accumulators.ts";
import { placeReductions } from "./reduceOnce.ts";

/** Every value's sharding by completion from the constraints (see the module comment). Throws MT3001 where a split is ambiguous. */
export function propagate(program: Program): ShardingAssignment {
  const reduced = new Map<ValueId, Record<string, AxisState>>();
  const accumulated = new Map<ValueId, Record<string, AxisState>>();
  const limit = 2 * program.values.size * program.mesh.length + 1;
  for (let sweep = 0; sweep <= limit; sweep++) {
    const plan = planForward(program, reduced, accumulated);
    const pending = placeAccumulators(program, plan, accumulated);
    for (const { value, axes } of pending) accumulated.set(value, { ...accumulated.get(value), ...axes });
    const more = pending.length > 0 ? [] : placeReductions(program, plan);
    if (pending.length === 0 && more.length === 0) return { strategy: "propagate", ops: plan.ops, held: plan.held, results: plan.results };
    for (const reduction of more) reduced.set(reduction.value, { ...reduced.get(reduction.value), [reduction.axis]: reduction.state });
  }
  throw new Error(`propagate "${program.name}": no fixpoint after ${limit} sweeps`);
}
