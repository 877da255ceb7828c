/**
 * Reverse-mode autodiff on the global IR: read back the ops of a block,
 * run the shared reverse pass (dsl/autodiff/backward.ts) with the IR
 * emitter, and so add the backward ops to the same program, after the
 * forward ones. The existing passes then lower forward and backward together.
 */
import { backward, type Recorded } from "../../dsl/autodiff/backward.ts";
import type { Primitive } from "../../dsl/autodiff/primitive.ts";
import { fail } from "../diagnostics/diagnostic.ts";
import { autodiffMessages } from "../diagnostics/autodiffMessages.ts";
import type { ProgramBuilder } from "../ir/builder.ts";
import type { Block, Loop, Op, SourceLoc, ValueId } from "../ir/ir.ts";
import { isLoop, walkOps } from "../ir/opAttrs.ts";
import { formatLoc } from "../ir/printer.ts";
import { IrEmitter } from "./irEmitter.ts";

/** The primitive of an IR op, or undefined for an op autodiff has no rule for. */
export function toPrimitive(op: Op): Primitive | undefined {
  switch (op.op) {
    case "param":
    case "full":
    case "iota":
    case "random":
    case "where":
    case "einsum":
    case "transpose":
      return { op: op.op };
    case "unary":
      return { op: "unary", fn: op.fn };
    case "binary":
      return op.scalar ? { op: "binary", fn: op.fn, scalar: op.scalar } : { op: "binary", fn: op.fn };
    case "reduce":
      return { op: "reduce", fn: op.fn, dims: op.dims };
    case "softmax":
      return { op: "softmax", dim: op.dim, log: op.log };
    case "conv2d": {
      // `halo` exists only after lowering; autodiff reads the global IR.
      const { height, width, kernelHeight, kernelWidth, in: inDim, out, padding } = op;
      return { op: "conv2d", height, width, kernelHeight, kernelWidth, in: inDim, out, padding };
    }
    case "rename":
      return { op: "rename", from: op.from, to: op.to };
    case "splitDim":
      return { op: "splitDim", dim: op.dim, into: op.into };
    case "mergeDims":
      return { op: "mergeDims", dims: op.dims, into: op.into };
    case "slice":
      return { op: "slice", dim: op.dim, start: op.start, stop: op.stop };
    case "concat":
      return { op: "concat", dim: op.dim };
    case "oneHot":
      return { op: "oneHot", dim: op.dim };
    case "gather":
      return { op: "gather", dim: op.dim };
    case "relayout":
      return { op: "relayout", rules: op.rules };
    default:
      return undefined;
  }
}

/** A recorded op with where it came from. */
interface IrRecorded extends Recorded<ValueId> {
  readonly loc: SourceLoc;
}

/** Every value a loop reads: its inits, its indexed items and what its body reads from outside. */
function loopReads(loop: Loop): ValueId[] {
  return [...loop.carried.map((entry) => entry.init), ...loop.indexed.flatMap((entry) => entry.items), ...[...walkOps(loop.body)].flatMap((op) => op.inputs)];
}

/** The block's ops as recorded ops; a diagnostic for a loop or an op without a rule that reads a value depending on `wrt`. */
function recordBlock(block: Block, wrt: readonly ValueId[]): IrRecorded[] {
  const active = new Set(wrt);
  const ops: IrRecorded[] = [];
  for (const statement of block) {
    if (isLoop(statement)) {
      if (loopReads(statement).some((value) => active.has(value))) {
        fail(autodiffMessages.gradUnsupported, { what: `the loop at ${formatLoc(statement.loc)} (kept as an IR loop)` }, statement.loc);
      }
      continue;
    }
    const primitive = toPrimitive(statement);
    if (statement.inputs.some((value) => active.has(value))) {
      if (!primitive) fail(autodiffMessages.gradUnsupported, { what: `${statement.op} at ${formatLoc(statement.loc)}: it has no gradient rule yet` }, statement.loc);
      active.add(statement.output);
    }
    if (primitive) ops.push({ primitive, inputs: statement.inputs, output: statement.output, loc: statement.loc });
  }
  return ops;
}

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
}

/**
 * Add to `builder` the ops that compute the gradient of `output` (a scalar
 * value of the innermost open block) with respect to each of `wrt`; returns
 * one value per `wrt`, with its dims. The function's ops (from `from` on)
 * are marked `phase: "forward"`, the added ones "backward", and each pair is
 * recorded in `Program.gradients`. Throws a `CompileError` (MT4004) when
 * the way from `wrt` to `output` passes a kept loop or an op with no rule.
 */
export function differentiate(builder: ProgramBuilder, output: ValueId, wrt: readonly ValueId[], options: DifferentiateOptions): ValueId[] {
  const from = options.from ?? 0;
  const ops = recordBlock(builder.currentBlock().slice(from), wrt);
  builder.markPhase(from, "forward");
  const emit = new IrEmitter(builder, options.loc);
  const name = options.name ?? ((hint: string) => `${hint}_vjp`);
  const seed = emit.full(builder.dimsOf(output), 1);
  const hintOf = (value: ValueId): string | undefined => {
    const hint = builder.hintOf(value);
    return hint === undefined ? undefined : name(hint);
  };
  const gradients = backward<ValueId, IrRecorded>({
    emit,
    ops,
    output,
    seed,
    wrt,
    onOp: (op) => {
      emit.loc = op.loc;
      emit.hint = hintOf(op.output);
    },
  });
  wrt.forEach((value, index) => builder.recordGradient(value, gradients[index]));
  return gradients;
}
