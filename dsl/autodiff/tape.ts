/**
 * The eager tape: while `grad`'s function runs, it keeps every op that reads
 * a watched tensor or a tensor made from one (ops on constants are not kept),
 * then runs the shared reverse pass over them with the eager emitter.
 */
import type { Tensor } from "../tensor.ts";
import { backward, type Recorded } from "./backward.ts";
import { eagerEmitter } from "./eagerEmitter.ts";
import type { Primitive } from "./primitive.ts";
import { withRecorder, type OpRecorder } from "./recorder.ts";

type T = Tensor<string>;

/** Records the ops that depend on the watched tensors. */
export class Tape implements OpRecorder {
  private readonly ops: Recorded<T>[] = [];
  private readonly active = new Set<T>();

  /** Watch `tensors`: ops that read them (or what is made from them) are recorded. */
  constructor(private readonly watched: readonly T[]) {
    for (const tensor of watched) this.active.add(tensor);
  }

  /** Part of `OpRecorder`: keep the op when it reads an active tensor. */
  record(primitive: Primitive, inputs: readonly T[], output: T): void {
    if (!inputs.some((input) => this.active.has(input))) return;
    this.active.add(output);
    this.ops.push({ primitive, inputs, output });
  }

  /** Run `body` with this tape open. */
  run<R>(body: () => R): R {
    return withRecorder(this, body);
  }

  /** The cotangents of the watched tensors for `output` with cotangent `seed` (zeros where it does not depend on one). */
  gradients(output: T, seed: T): T[] {
    return backward({ emit: eagerEmitter, ops: this.ops, output, seed, wrt: this.watched });
  }
}
