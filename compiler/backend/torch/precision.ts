/**
 * Mixed precision in the torch back end (`program(f, { ..., dtype: "bf16" })`):
 * which torch dtype each op of a lowered program computes in. The params
 * (weights and optimizer state: the master copies) come in float32, and
 *
 * - the model's ops (all ops of a program without gradients; the forward,
 *   backward and recomputed ops of a training step) compute in bfloat16:
 *   contractions always, element-wise ops when an operand is bfloat16;
 * - reductions, softmax, the fused norm ops (normalize, normalizeGrad) and contractions to a scalar (the loss) compute in
 *   float32, from a float32 copy of their operand, as do element-wise ops on
 *   float32 operands only (the statistics of a norm, the loss's arithmetic);
 * - the optimizer update (a training step's ops without a phase) computes in
 *   float32, so weights and state stay float32 between steps;
 * - collectives and shape ops keep their operand's dtype (a gradient is
 *   reduced in bfloat16: half the bytes);
 * - the results are returned in float32.
 *
 * A float32 program (the default) emits no casts at all. Eager runs and the
 * simulated mesh compute in float32: the reference the tests bound the
 * bfloat16 error against.
 */
import type { Block, Op, Program, ValueId } from "../../ir/ir.ts";
import { collectiveKinds, isLoop, loopYields } from "../../ir/opAttrs.ts";

/** A torch floating dtype. */
export type TorchDtype = "torch.float32" | "torch.bfloat16";

export const float32: TorchDtype = "torch.float32";
export const bfloat16: TorchDtype = "torch.bfloat16";

/** Ops that move or reshape values without arithmetic: they keep their operand's dtype. */
const passThrough: ReadonlySet<string> = new Set([
  ...collectiveKinds, "rename", "relayout", "transpose", "splitDim", "mergeDims", "slice", "concat",
]);

/** Whether operand `index` of `op` takes part in its arithmetic (an id input is read as integers, never cast). */
export function isNumericOperand(op: Op, index: number): boolean {
  if (op.op === "oneHot") return false;
  if (op.op === "gather") return index === 0;
  return true;
}

/** Whether `op` keeps its operand's dtype (no cast, no arithmetic). */
export function keepsDtype(op: Op): boolean {
  return passThrough.has(op.op);
}

/**
 * The dtype of every value of a bfloat16 program (see the module comment), or undefined for a
 * float32 one. A carried value takes the dtype of its body's result (its init is cast before the loop).
 */
export function valueDtypes(program: Program): Map<ValueId, TorchDtype> | undefined {
  if (program.dtype !== "bf16") return undefined;
  const training = (program.gradients?.length ?? 0) > 0;
  const dtypes = new Map<ValueId, TorchDtype>();
  const of = (id: ValueId): TorchDtype => dtypes.get(id) ?? float32;
  const opDtype = (op: Op): TorchDtype => {
    const operands = op.inputs.map(of);
    if (passThrough.has(op.op)) return operands[0] ?? float32;
    if (op.op === "param" || (training && op.phase === undefined)) return float32;
    switch (op.op) {
      case "reduce":
      case "softmax":
      case "normalize":
      case "normalizeGrad":
      case "full":
      case "constant":
      case "iota":
      case "random":
        return float32;
      case "einsum":
        return (program.values.get(op.output)?.dims.length ?? 0) === 0 ? float32 : bfloat16;
      case "oneHot":
        return bfloat16;
      case "gather":
        return operands[0] ?? float32;
      default:
        return operands.some((dtype) => dtype === bfloat16) ? bfloat16 : float32;
    }
  };
  const block = (statements: Block): void => {
    for (const statement of statements) {
      if (!isLoop(statement)) {
        dtypes.set(statement.output, opDtype(statement));
        continue;
      }
      for (const entry of statement.carried) dtypes.set(entry.param, of(entry.init));
      for (const entry of statement.indexed) dtypes.set(entry.param, of(entry.items[0]));
      for (let round = 0; round < 3; round++) {
        block(statement.body);
        const changed = statement.carried.filter((entry) => of(entry.result) !== of(entry.param));
        if (changed.length === 0) break;
        for (const entry of changed) dtypes.set(entry.param, of(entry.result));
      }
      for (const entry of statement.carried) dtypes.set(entry.output, of(entry.param));
      for (const entry of loopYields(statement)) for (const item of entry.items) dtypes.set(item, of(entry.result));
    }
  };
  block(program.body);
  return dtypes;
}
