/**
 * What activation recomputation costs in a compiled training step
 * (`program(step, { ..., recompute })`): the forward ops the backward runs
 * again (`phase: "recompute"`), counted per call (times their loops' trip
 * counts), and their floating-point operations per device, as the cost
 * model counts an op's work (compiler/cost/opWork.ts, from local dims).
 * `meshtype simulate` prices them in seconds on a cluster.
 */
import { dtypeBytes } from "../../dsl/dtype.ts";
import { opWork } from "../cost/opWork.ts";
import type { Block, Program } from "../ir/ir.ts";
import { attrsOf, isLoop } from "../ir/opAttrs.ts";

/** The recomputed ops of one step, per device per call. */
export interface RecomputeCost {
  readonly ops: number;
  readonly flops: number;
}

/** The recomputation of a lowered program, or undefined when it recomputes nothing. */
export function recomputeCost(program: Program): RecomputeCost | undefined {
  let ops = 0;
  let flops = 0;
  const dims = (id: number) => program.values.get(id)?.localDims ?? program.values.get(id)?.dims ?? [];
  const visit = (block: Block, runs: number): void => {
    for (const statement of block) {
      if (isLoop(statement)) {
        visit(statement.body, runs * statement.count);
        continue;
      }
      if (statement.phase !== "recompute") continue;
      ops += runs;
      const work = opWork(attrsOf(statement), statement.inputs.map(dims), dims(statement.output), dtypeBytes[program.dtype]);
      flops += runs * ("flops" in work ? work.flops : 0);
    }
  };
  visit(program.body, 1);
  return ops === 0 ? undefined : { ops, flops };
}
