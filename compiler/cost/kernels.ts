/**
 * Which ops of a lowered program run as one kernel, under a kernel policy:
 *
 * - `eager`: every op is its own kernel, as the torch back end emits today
 *   (one torch call per op; views cost nothing);
 * - `fused`: what fused-kernel stacks run (Megatron-LM's fused layer norm,
 *   bias-GELU, scale-mask-softmax and bias-dropout-add kernels; `torch.compile`):
 *   chains of element-wise ops, reductions and softmax become one kernel (a
 *   dropout joins element-wise ops only, as Megatron-LM runs it) that reads its
 *   inputs and writes its outputs once (an op joins its consumers' kernel when
 *   every other reader of its value comes after that kernel, which then also
 *   writes the value, as Megatron-LM's bias-GELU writes the pre-activation for
 *   the backward; so a kernel never needs a value computed after it); an einsum with a one-hot operand is a row lookup (the
 *   embedding) or a scatter-add (its gradient) rather than a matmul; the one-hot
 *   itself is never materialized.
 *
 * Matmuls and collectives are never fused. The plan is per block: a loop body
 * is planned once and its kernels are reused for every iteration.
 */
import type { Block, Loop, Op, Program, ValueId, ValueTree } from "../ir/ir.ts";
import { collectiveKinds, isLoop } from "../ir/opAttrs.ts";
import { dropoutMaskBytes, elementsOf, opWork, type Work } from "./opWork.ts";

/** How ops become kernels (see the module comment). */
export type KernelPolicy = "eager" | "fused";

/** One kernel: its ops in program order (the last is its root), the values it reads from outside, and its work. */
export interface KernelItem {
  readonly kind: "kernel";
  readonly ops: readonly Op[];
  /** Values the kernel reads that other kernels (or the program's inputs) make, through views. */
  readonly inputs: readonly ValueId[];
  /** Every value its ops define (what later ops may depend on). */
  readonly defines: readonly ValueId[];
  /** The values it writes to memory: those read outside the kernel, or returned. */
  readonly writes: readonly ValueId[];
  readonly work: Work;
  /** `lookup`/`scatter` for a one-hot einsum under `fused`. */
  readonly flavor?: "lookup" | "scatter";
}

/** A collective op. */
export interface CollectiveItem {
  readonly kind: "collective";
  readonly op: Op;
}

/** An op that makes no kernel: a view of its first input (or, under `fused`, a one-hot only lookups read), or a program input. */
export interface ViewItem {
  readonly kind: "view";
  readonly op: Op;
}

/** A loop, with its body planned once. */
export interface LoopItem {
  readonly kind: "loop";
  readonly loop: Loop;
  readonly body: BlockPlan;
}

/** A block as kernels, in issue order (a kernel sits at its root's place). */
export interface BlockPlan {
  readonly items: readonly (KernelItem | CollectiveItem | ViewItem | LoopItem)[];
}

const fusible: ReadonlySet<string> = new Set([
  "unary", "binary", "where", "maskPadding", "dropout", "reduce", "softmax", "normalize", "normalizeGrad", "unaryGrad", "full", "iota", "oneHot",
]);
/**
 * Ops a dropout never shares a kernel with: Megatron-LM runs attention dropout
 * as its own `torch.nn.Dropout` after the fused scale-mask-softmax, and hidden
 * dropout fused only with the bias and residual adds (`bias_dropout_add`),
 * before a separate fused layer norm (megatron/model/transformer.py,
 * `CoreAttention.forward` and `bias_dropout_add_fused_train`).
 */
const apartFromDropout: ReadonlySet<string> = new Set(["reduce", "softmax", "normalize", "normalizeGrad"]);
const viewKinds: ReadonlySet<string> = new Set(["rename", "relayout", "transpose", "splitDim", "slice", "localSlice"]);

/** A collective that communicates (a local slice is a view). */
export function isCommunication(op: Op): boolean {
  return collectiveKinds.has(op.op) && op.op !== "localSlice";
}

function treeLeaves(tree: ValueTree, out: ValueId[] = []): ValueId[] {
  if (tree.kind === "tensor") out.push(tree.value);
  else if (tree.kind === "array") tree.items.forEach((item) => treeLeaves(item, out));
  else Object.values(tree.fields).forEach((item) => treeLeaves(item, out));
  return out;
}

/** A table keyed by value id (ids are small integers): an array, which is much faster than a Map at 10^5 values. */
export class IdTable<T> {
  private readonly items: (T | undefined)[] = [];
  get(id: ValueId): T | undefined {
    return this.items[id];
  }
  set(id: ValueId, item: T): void {
    this.items[id] = item;
  }
  *values(): Generator<T> {
    for (const item of this.items) if (item !== undefined) yield item;
  }
}

/** Facts about a whole lowered program that planning needs: producers, views, and who reads what. */
export class ProgramFacts {
  /** The op that defines each value (loop params and outputs have none). */
  readonly producer = new IdTable<Op>();
  /** Ops reading each value; `null` stands for a reader outside any op (a loop, or the program's result). */
  readonly readers = new IdTable<(Op | null)[]>();
  /** Each value's block (ops of one block share it). */
  readonly blockOf = new IdTable<Block>();
  /** Every op, loop bodies included, in program order. */
  readonly ops: Op[] = [];
  /** For each value a loop yields per iteration: the body value it is (`Loop.yields`). */
  readonly yieldOrigin = new IdTable<ValueId>();

  constructor(readonly program: Program) {
    this.visit(program.body);
    for (const id of treeLeaves(program.result)) this.read(id, null);
    for (const op of this.producer.values()) {
      if (op.op === "param" || viewKinds.has(op.op) || (op.op === "mergeDims" && this.workOf(op, 4).kind === "view")) this.views.add(op);
    }
  }

  private read(id: ValueId, reader: Op | null): void {
    const list = this.readers.get(id);
    if (list) list.push(reader);
    else this.readers.set(id, [reader]);
  }

  private visit(block: Block): void {
    for (const statement of block) {
      if (isLoop(statement)) {
        for (const entry of statement.carried) [entry.init, entry.result].forEach((id) => this.read(id, null));
        for (const entry of statement.indexed) entry.items.forEach((id) => this.read(id, null));
        for (const entry of statement.yields ?? []) {
          this.read(entry.result, null);
          for (const id of entry.items) this.yieldOrigin.set(id, entry.result);
        }
        this.visit(statement.body);
        continue;
      }
      this.producer.set(statement.output, statement);
      this.blockOf.set(statement.output, block);
      this.ops.push(statement);
      for (const input of statement.inputs) this.read(input, statement);
    }
  }

  private readonly views = new Set<Op>();
  private readonly sources = new IdTable<ValueId>();
  private readonly consumerLists = new IdTable<(Op | null)[]>();

  /** Whether `op` makes no kernel: a view of its first input (rename, permute, reshape, narrow, local slice), or a param. */
  isView(op: Op): boolean {
    return this.views.has(op);
  }

  /** The value `id` is a view of (through renames, permutes, slices...), or itself. */
  source(id: ValueId): ValueId {
    const known = this.sources.get(id);
    if (known !== undefined) return known;
    let current = id;
    for (let op = this.producer.get(current); op && op.op !== "param" && this.views.has(op); op = this.producer.get(current)) {
      current = op.inputs[0];
    }
    this.sources.set(id, current);
    return current;
  }

  /** The ops reading `id` or any view of it (views themselves excluded); `null` for readers outside ops. */
  consumers(id: ValueId): (Op | null)[] {
    const known = this.consumerLists.get(id);
    if (known !== undefined) return known;
    const out: (Op | null)[] = [];
    const stack = [id];
    while (stack.length > 0) {
      const current = stack.pop() as ValueId;
      for (const reader of this.readers.get(current) ?? []) {
        if (reader !== null && this.views.has(reader)) stack.push(reader.output);
        else out.push(reader);
      }
    }
    this.consumerLists.set(id, out);
    return out;
  }

  /** The local dims of a value. */
  localDims(id: ValueId) {
    const value = this.program.values.get(id);
    if (!value) throw new Error(`ProgramFacts: %${id} is not a value of ${this.program.name}`);
    return value.localDims ?? value.dims;
  }

  /** The eager work of one op. */
  workOf(op: Op, elementBytes: number): Work {
    return opWork(op, op.inputs.map((input) => this.localDims(input)), this.localDims(op.output), elementBytes);
  }
}

/** Plan `block` into kernels under `policy`. */
export function planBlock(facts: ProgramFacts, block: Block, policy: KernelPolicy, elementBytes: number): BlockPlan {
  const ops = block.filter((statement): statement is Op => !isLoop(statement));
  const group = policy === "fused" ? fuseGroups(facts, block, ops) : new Map<Op, number>(ops.map((op, index) => [op, index]));
  const members = new Map<number, Op[]>();
  for (const op of ops) {
    if (facts.isView(op) || isCommunication(op)) continue;
    const id = group.get(op) as number;
    const list = members.get(id);
    if (list) list.push(op);
    else members.set(id, [op]);
  }
  const items: BlockPlan["items"][number][] = [];
  for (const statement of block) {
    if (isLoop(statement)) {
      items.push({ kind: "loop", loop: statement, body: planBlock(facts, statement.body, policy, elementBytes) });
    } else if (facts.isView(statement)) {
      items.push({ kind: "view", op: statement });
    } else if (isCommunication(statement)) {
      items.push({ kind: "collective", op: statement });
    } else {
      const list = members.get(group.get(statement) as number) as Op[];
      if (list[list.length - 1] !== statement) continue; // the kernel issues at its root
      // A one-hot read only by lookups is never made: it stands for its ids.
      items.push(kernelOf(facts, list, policy, elementBytes) ?? { kind: "view", op: statement });
    }
  }
  return { items };
}

/** `fused`: an op joins its consumers' group when they are all in one fusible group of this block. */
function fuseGroups(facts: ProgramFacts, block: Block, ops: readonly Op[]): Map<Op, number> {
  const group = new Map<Op, number>();
  const position = new Map<Op, number>(ops.map((op, index) => [op, index]));
  const rootAt: number[] = [];
  // Per group: whether it holds a dropout, and whether it holds an op kept apart from one.
  const holdsDropout: boolean[] = [];
  const holdsApart: boolean[] = [];
  for (let index = ops.length - 1; index >= 0; index--) {
    const op = ops[index];
    if (facts.isView(op) || isCommunication(op)) continue;
    let joined: number | undefined;
    if (fusible.has(op.op)) {
      const consumers = facts.consumers(op.output);
      const groups = new Set<number>();
      for (const consumer of consumers) {
        const at = consumer !== null && fusible.has(consumer.op) && facts.blockOf.get(consumer.output) === block ? group.get(consumer) : undefined;
        if (at !== undefined) groups.add(at);
      }
      // One kernel to join; every other reader comes after that kernel's root, so the kernel can also write the value for it.
      const [candidate] = groups;
      if (groups.size === 1 && consumers.every((consumer) => consumer !== null && (group.get(consumer) === candidate || (facts.blockOf.get(consumer.output) === block && (position.get(consumer) ?? -1) > rootAt[candidate])))) {
        const clash = (op.op === "dropout" && holdsApart[candidate]) || (apartFromDropout.has(op.op) && holdsDropout[candidate]);
        if (!clash) joined = candidate;
      }
    }
    if (joined === undefined) {
      joined = rootAt.length;
      rootAt.push(index);
      holdsDropout.push(false);
      holdsApart.push(false);
    }
    if (op.op === "dropout") holdsDropout[joined] = true;
    if (apartFromDropout.has(op.op)) holdsApart[joined] = true;
    group.set(op, joined);
  }
  return group;
}

/** The one-hot operand of an einsum (through views), if it has one. */
function oneHotOperand(facts: ProgramFacts, op: Op): number {
  return op.inputs.findIndex((input) => facts.producer.get(facts.source(input))?.op === "oneHot");
}

/** The values `ops` read from outside, and the values they write for readers outside (one op: the fast path). */
function boundary(facts: ProgramFacts, ops: readonly Op[]): { defines: ValueId[]; inputs: ValueId[]; writes: ValueId[] } {
  if (ops.length === 1) {
    const op = ops[0];
    const inputs: ValueId[] = [];
    for (const input of op.inputs) {
      const id = facts.source(input);
      if (!inputs.includes(id)) inputs.push(id);
    }
    return { defines: [op.output], inputs, writes: facts.consumers(op.output).length > 0 ? [op.output] : [] };
  }
  const defines = ops.map((op) => op.output);
  const inside = new Set(defines);
  const inputs = [...new Set(ops.flatMap((op) => op.inputs.map((input) => facts.source(input))))].filter((id) => !inside.has(id));
  const member = new Set(ops);
  const writes = defines.filter((id) => facts.consumers(id).some((consumer) => consumer === null || !member.has(consumer)));
  return { defines, inputs, writes };
}

function kernelOf(facts: ProgramFacts, ops: readonly Op[], policy: KernelPolicy, elementBytes: number): KernelItem | undefined {
  const { defines, inputs, writes } = boundary(facts, ops);
  const root = ops[ops.length - 1];
  if (policy === "fused" && ops.length === 1 && root.op === "oneHot" && facts.consumers(root.output).every((consumer) => consumer !== null && consumer.op === "einsum")) {
    return undefined; // read by lookups only: never materialized
  }
  if (policy === "fused" && ops.length === 1 && root.op === "einsum" && root.inputs.length === 2 && oneHotOperand(facts, root) >= 0) {
    const hot = oneHotOperand(facts, root);
    const other = facts.localDims(root.inputs[1 - hot]);
    const output = facts.localDims(root.output);
    const hotDims = facts.localDims(root.inputs[hot]);
    const hotDim = hotDims[hotDims.length - 1];
    const ids = elementsOf(hotDims) / hotDim.size;
    const scatter = output.some((dim) => dim.name === hotDim.name);
    const bytes = elementBytes * (scatter ? elementsOf(output) + elementsOf(other) + ids : 2 * elementsOf(output) + ids);
    return { kind: "kernel", ops, inputs, defines, writes, work: { kind: "memory", flops: scatter ? elementsOf(other) : 0, bytes }, flavor: scatter ? "scatter" : "lookup" };
  }
  if (ops.length === 1) return { kind: "kernel", ops, inputs, defines, writes, work: facts.workOf(root, elementBytes) };
  const flops = ops.reduce((sum, op) => {
    const work = facts.workOf(op, elementBytes);
    return sum + (work.kind === "view" ? 0 : work.flops);
  }, 0);
  const masks = ops.reduce((sum, op) => sum + dropoutMaskBytes(op, facts.localDims(op.output)), 0);
  const bytes = elementBytes * ([...inputs, ...writes].reduce((sum, id) => sum + elementsOf(facts.localDims(id)), 0)) + masks;
  return { kind: "kernel", ops, inputs, defines, writes, work: { kind: "memory", flops, bytes } };
}
