/**
 * Reverse-mode autodiff on the global IR: read back the statements of a
 * block, run the shared reverse pass (dsl/autodiff/backward.ts) with the IR
 * emitter, and so add the backward ops to the same program, after the
 * forward ones. A kept loop (the layers of a model) is differentiated as a
 * loop: its backward is one reverse loop (reverseLoop.ts) that reads the
 * forward values it needs saved per iteration or recomputed
 * (forwardScope.ts), so the IR does not grow with the trip count. The
 * existing passes then lower forward and backward together.
 */
import { backward } from "../../dsl/autodiff/backward.ts";
import type { ProgramBuilder } from "../ir/builder.ts";
import type { SourceLoc, ValueId } from "../ir/ir.ts";
import { isLoop } from "../ir/opAttrs.ts";
import { hoistLoop } from "../passes/hoistInvariants.ts";
import { TopScope, topScope, type RecomputePolicy } from "./forwardScope.ts";
import { IrEmitter } from "./irEmitter.ts";
import { recordStatements, type IrRecorded, type ReverseContext } from "./reverseLoop.ts";

export { toPrimitive } from "./primitives.ts";

/** Where the backward ops go and what they are called. */
export interface DifferentiateOptions {
  /** The location of the grad call: of the seed, and of zero gradients. */
  readonly loc: SourceLoc;
  /**
   * The index in the innermost open block of the first op of the function
   * being differentiated (default 0). Ops before it are constants, even when
   * they read a value of `wrt`, as eagerly (where grad watches fresh copies).
   */
  readonly from?: number;
  /** Names the values that the rule of a forward value named `hint` adds (default `<hint>_vjp`). */
  readonly name?: (hint: string) => string;
  /** Which forward values of a loop body the backward recomputes instead of saving (default "none": save them all). */
  readonly recompute?: RecomputePolicy;
}

/** Move the invariant ops of every loop of the innermost open block from `from` on in front of it. */
function hoistLoops(builder: ProgramBuilder, from: number): void {
  const block = builder.currentBlock();
  for (let index = from; index < block.length; index++) {
    const statement = block[index];
    if (!isLoop(statement)) continue;
    const { hoisted, loop } = hoistLoop(statement);
    if (loop === statement) continue;
    builder.replaceStatements(index, 1, [...hoisted, loop]);
    index += hoisted.length;
  }
}

/**
 * Add to `builder` the ops that compute the gradient of `output` (a scalar
 * value of the innermost open block) with respect to each of `wrt`; returns
 * one value per `wrt`, with its dims. The function's ops (from `from` on)
 * are marked `phase: "forward"`, the added ones "backward" (recomputed
 * forward ops "recompute"), and each pair is recorded in
 * `Program.gradients`. Throws a `CompileError` (MT4004) when the way from
 * `wrt` to `output` passes an op with no rule.
 */
export function differentiate(builder: ProgramBuilder, output: ValueId, wrt: readonly ValueId[], options: DifferentiateOptions): ValueId[] {
  const from = options.from ?? 0;
  hoistLoops(builder, from);
  builder.markPhase(from, "forward");
  const emit = new IrEmitter(builder, options.loc);
  const name = options.name ?? ((hint: string) => `${hint}_vjp`);
  const nameOf = (value: ValueId): string | undefined => {
    const hint = builder.hintOf(value);
    return hint === undefined ? undefined : name(hint);
  };
  const context: ReverseContext = { builder, emit, policy: options.recompute ?? "none", nameOf };
  const statements = builder.currentBlock().slice(from);
  // values of checkpoint(f) calls in this block are recomputed where the backward reads them
  const scope = statements.some((statement) => !isLoop(statement) && builder.isCheckpointed(statement.output)) ? new TopScope(builder, statements) : topScope;
  const records = recordStatements(context, scope, statements, new Set(wrt), "in place");
  const seed = emit.full(builder.dimsOf(output), 1);
  emit.resolve = (id) => scope.resolve(id);
  const gradients = backward<ValueId, IrRecorded>({
    emit,
    ops: records,
    output,
    seed,
    wrt,
    onOp: (op) => {
      emit.loc = op.loc;
      emit.hint = nameOf(op.output);
    },
  });
  wrt.forEach((value, index) => builder.recordGradient(value, gradients[index]));
  return gradients;
}
