/**
 * The one hook between the eager ops and autodiff: every eager op that has
 * tensor inputs calls `recordOp` once with its primitive, inputs and output.
 * With no tape open it returns at once (one length check); each open tape
 * (grad inside grad opens two) decides whether the op concerns it.
 */
import type { Tensor } from "../tensor.ts";
import type { Primitive } from "./primitive.ts";

/** What records ops: a tape of `grad`/`valueAndGrad` (dsl/autodiff/tape.ts). */
export interface OpRecorder {
  record(primitive: Primitive, inputs: readonly Tensor<string>[], output: Tensor<string>): void;
}

const open: OpRecorder[] = [];

/**
 * Record one eager op on every open tape. Called by the ops themselves;
 * user code never calls it. `inputs` are tensors (a number operand of a
 * binary op is in `primitive.scalar`).
 */
export function recordOp(primitive: Primitive, inputs: readonly Tensor<string>[], output: Tensor<string>): void {
  if (open.length === 0) return;
  for (const recorder of open) recorder.record(primitive, inputs, output);
}

/** Run `body` with `recorder` open (innermost); it is closed afterwards, also when `body` throws. */
export function withRecorder<T>(recorder: OpRecorder, body: () => T): T {
  open.push(recorder);
  try {
    return body();
  } finally {
    const index = open.lastIndexOf(recorder);
    if (index >= 0) open.splice(index, 1);
  }
}
