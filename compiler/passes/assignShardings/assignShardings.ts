/**
 * assignShardings: the pass that decides the sharding of every value of a
 * global program, once, before `lower` materializes it. Its inputs are the
 * user's constraints (the layout's rules, `relayout`s, weight-update
 * sharding, the params' and results' shardings); its output is a
 * `ShardingAssignment` on the program (compiler/ir/shardingAssignment.ts):
 * every op's strategy (the sharding it reads each operand in and computes
 * its result in) and every value's held sharding with where it came from.
 *
 * Strategies sit behind one interface (`ShardingStrategy`): `propagate`
 * (propagate.ts: sharding completion from the constraints) and `optimize`
 * (optimize/: the intra-op ILP, solved with HiGHS, over a cost model).
 */
import type { Program } from "../../ir/ir.ts";
import type { ShardingAssignment } from "../../ir/shardingAssignment.ts";
import { propagate } from "./propagate.ts";

/** A way to decide every value's sharding. */
export interface ShardingStrategy {
  readonly name: ShardingAssignment["strategy"];
  readonly assign: (program: Program) => ShardingAssignment;
}

/** Sharding completion from the user's constraints (propagate.ts). */
export const propagateStrategy: ShardingStrategy = { name: "propagate", assign: propagate };

/** The assignShardings pass (see the module comment): the program, with its `assignment`. */
export function assignShardings(program: Program, strategy: ShardingStrategy = propagateStrategy): Program {
  if (program.stage !== "global") throw new Error(`assignShardings: program "${program.name}" is already lowered`);
  return { ...program, assignment: strategy.assign(program) };
}
