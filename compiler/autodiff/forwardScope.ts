/**
 * Where the backward of a loop finds the forward values it reads. The
 * reverse loop runs the iterations of a forward loop last to first, so the
 * value that the forward body computed in iteration k is needed in reverse
 * iteration n-1-k. A `LoopScope` gives each forward body value a value of
 * the reverse body, made the first time a rule (or a recomputed op) reads it:
 *
 * - saved: the forward loop yields it (`Loop.yields`, one item per
 *   iteration) and the reverse loop indexes the items in reverse order;
 * - recomputed: its op runs again in the reverse body, on the reverse
 *   body's values of its inputs (`phase: "recompute"`), as `jax.checkpoint`
 *   does; which ops are recomputed is the `RecomputePolicy`;
 * - an indexed value of the forward loop (a layer's weights): the reverse
 *   loop indexes the same items in reverse order.
 *
 * Values defined outside the forward loop are in scope already and resolve
 * through the enclosing scope (the top-level scope maps every value to itself).
 */
import type { ProgramBuilder } from "../ir/builder.ts";
import type { Block, Loop, Op, ValueId } from "../ir/ir.ts";
import { attrsOf, isLoop, loopOutputs } from "../ir/opAttrs.ts";
import { cloneLoop } from "./cloneLoop.ts";
import { loopInputs } from "./loopReads.ts";

/**
 * Which forward ops of a loop body the backward computes again instead of
 * saving their values: `none` saves every value it reads; `layer` recomputes
 * the whole body (only the carried values are saved per iteration: one
 * activation per layer); `selective` saves the outputs of contractions
 * (einsum, conv2d) and recomputes the rest (element-wise ops, reductions,
 * softmax, shape ops).
 */
export type RecomputePolicy = "none" | "layer" | "selective";

/** The recompute policies, for messages and option checks. */
export const recomputePolicies: readonly RecomputePolicy[] = ["none", "layer", "selective"];

/** Whether `policy` recomputes `op` (a forward op in a loop body). */
export function recomputes(policy: RecomputePolicy, op: Op): boolean {
  if (policy === "none") return false;
  if (policy === "layer") return true;
  return op.op !== "einsum" && op.op !== "conv2d";
}

/** Maps a forward value to the value that stands for it where the backward is being emitted. */
export interface ForwardScope {
  resolve(id: ValueId): ValueId;
  /** The copy of `loop`, a loop of this scope's forward body, run again where the backward is (made once). */
  runAgain(loop: Loop): LoopHandle;
}

/** The scope of the differentiated function's own block: its values are in scope as they are. */
export const topScope: ForwardScope = {
  resolve: (id) => id,
  runAgain: () => {
    throw new Error("autodiff: a loop of the differentiated block is reversed in place, never run again");
  },
};

/**
 * The scope of the differentiated function's own block when some of its ops
 * ran in a `checkpoint(f)` call: such an op's value is not read by the
 * backward but made again (`phase: "recompute"`) from the values its inputs
 * resolve to, once, the first time the backward reads it, where the backward
 * is then being emitted. Other values are read as they are; so is a
 * checkpointed value first read inside a reverse loop (it is not recomputed
 * once per iteration: it stays saved).
 */
export class TopScope implements ForwardScope {
  private readonly ops = new Map<ValueId, Op>();
  private readonly values = new Map<ValueId, ValueId>();
  private readonly depth: number;

  constructor(private readonly builder: ProgramBuilder, block: Block) {
    for (const statement of block) if (!isLoop(statement) && builder.isCheckpointed(statement.output)) this.ops.set(statement.output, statement);
    this.depth = builder.loopDepth();
  }

  resolve(id: ValueId): ValueId {
    const known = this.values.get(id);
    if (known !== undefined) return known;
    const op = this.ops.get(id);
    if (op === undefined || this.builder.loopDepth() !== this.depth) return id;
    const value = recomputeOp(this.builder, op, (input) => this.resolve(input));
    this.values.set(id, value);
    return value;
  }

  runAgain(loop: Loop): LoopHandle {
    return topScope.runAgain(loop);
  }
}

/** `op` emitted again where the builder is, on `resolve`d inputs, marked `phase: "recompute"`. */
function recomputeOp(builder: ProgramBuilder, op: Op, resolve: (id: ValueId) => ValueId): ValueId {
  const inputs = op.inputs.map(resolve);
  const dims = builder.dimsOf(op.output);
  return builder.add(attrsOf(op), inputs, { loc: op.loc, hint: builder.hintOf(op.output), phase: "recompute", dims, out: dims.map((dim) => dim.name) });
}

/** A loop statement that may be replaced (by one that yields more) while its reverse is built. */
export interface LoopHandle {
  loop: Loop;
}

/** How each value of a forward body is defined. */
type Definition =
  | { readonly kind: "indexed"; readonly items: readonly ValueId[] }
  | { readonly kind: "carried" }
  | { readonly kind: "op"; readonly op: Op }
  | { readonly kind: "loop"; readonly loop: Loop };

/** The forward values of one loop body, as seen from inside its reverse loop (see the module comment). */
export class LoopScope implements ForwardScope {
  private readonly definitions = new Map<ValueId, Definition>();
  private readonly values = new Map<ValueId, ValueId>();
  /** The copies of loops nested in the forward body, run again in the reverse body. */
  private readonly copies = new Map<Loop, LoopHandle>();
  /** The builder's loop depth inside the reverse body: values are only made there. */
  private readonly depth: number;

  constructor(
    private readonly builder: ProgramBuilder,
    private readonly forward: LoopHandle,
    private readonly parent: ForwardScope,
    private readonly policy: RecomputePolicy,
  ) {
    const loop = forward.loop;
    loop.indexed.forEach((entry) => this.definitions.set(entry.param, { kind: "indexed", items: entry.items }));
    loop.carried.forEach((entry) => this.definitions.set(entry.param, { kind: "carried" }));
    for (const statement of loop.body) {
      if (isLoop(statement)) loopOutputs(statement).forEach((id) => this.definitions.set(id, { kind: "loop", loop: statement }));
      else this.definitions.set(statement.output, { kind: "op", op: statement });
    }
    this.depth = builder.loopDepth();
  }

  private remember(id: ValueId, value: ValueId): void {
    if (!this.values.has(id)) this.values.set(id, value);
  }

  resolve(id: ValueId): ValueId {
    const known = this.values.get(id);
    if (known !== undefined) return known;
    const definition = this.definitions.get(id);
    if (definition === undefined) return this.parent.resolve(id);
    if (this.builder.loopDepth() !== this.depth) {
      throw new Error(`autodiff: forward value %${id} is first read inside a nested loop of the backward; it should have been resolved before that loop`);
    }
    const value = this.make(id, definition);
    this.values.set(id, value);
    return value;
  }

  private make(id: ValueId, definition: Definition): ValueId {
    switch (definition.kind) {
      case "indexed":
        return this.builder.addIndexed([...definition.items].reverse());
      case "op":
        // the policy's ops, and those of a checkpoint(f) call in the body
        if (recomputes(this.policy, definition.op) || this.builder.isCheckpointed(id)) return this.recompute(definition.op);
        return this.save(id);
      case "carried":
        return this.save(id);
      case "loop": {
        if (this.policy === "none" && !this.builder.isCheckpointed(id)) return this.save(id);
        this.runAgain(definition.loop);
        return this.values.get(id) ?? this.save(id);
      }
    }
  }

  /**
   * The copy of `loop` (a loop of the forward body) run in the reverse body: made once, after
   * resolving everything it reads from outside (so that is made here, not inside the copy).
   */
  runAgain(loop: Loop): LoopHandle {
    const known = this.copies.get(loop);
    if (known) return known;
    const resolved = new Map<ValueId, ValueId>();
    for (const id of loopInputs(loop)) resolved.set(id, this.resolve(id));
    const copy = cloneLoop(this.builder, loop, (id) => resolved.get(id) ?? this.resolve(id));
    const outputs = loopOutputs(loop);
    loopOutputs(copy).forEach((value, index) => this.remember(outputs[index], value));
    // A handle: the reverse of the copy makes it yield more, which replaces the statement.
    const handle: LoopHandle = { loop: copy };
    this.copies.set(loop, handle);
    return handle;
  }

  /** The forward loop yields `id` per iteration; the reverse loop reads the items last to first. */
  private save(id: ValueId): ValueId {
    const { loop, items } = this.builder.addYield(this.forward.loop, id);
    this.forward.loop = loop;
    return this.builder.addIndexed([...items].reverse());
  }

  private recompute(op: Op): ValueId {
    return recomputeOp(this.builder, op, (input) => this.resolve(input));
  }
}
