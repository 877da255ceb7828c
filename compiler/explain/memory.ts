/**
 * The memory of a training step per device, for `meshtype explain`: the bytes
 * one device holds of the parameters, their gradients, the optimizer state
 * and the activations the backward reads, read off a lowered program (local
 * dims, float32: 4 bytes per element).
 *
 * - parameters: the params a gradient is taken with respect to
 *   (`Program.gradients`, recorded by autodiff);
 * - gradients: the values of their gradients, as the backward leaves them
 *   (a pending sum over a data axis is a whole local copy);
 * - optimizer state: the other params that the step returns updated (some
 *   result depends on them) and that neither the forward nor the backward
 *   reads, such as AdamW's moments and step count. Inputs read by the loss
 *   (token ids, targets) are not state;
 * - saved activations: the values made by the forward (ops marked
 *   `phase: "forward"`, the items a forward loop yields, or collectives
 *   converting them before the backward) that the backward reads (its ops,
 *   its recomputed ops, and the items its reverse loops index), directly or
 *   through the collectives inserted for it; each counted once, and a loop's
 *   yielded items once per iteration. Params are not activations.
 *
 * Collectives and other ops that `lower` inserts carry no phase; a read is
 * followed back through them to the op that made the value. A loop is of
 * the backward when its body holds a backward op, of the forward when it
 * holds a forward one.
 */
import { BYTES_PER_ELEMENT } from "../../dsl/runtime/stats.ts";
import type { Loop, Op, Phase, Program, ValueId, ValueTree } from "../ir/ir.ts";
import { collectiveKinds, isLoop, loopYields, walkOps } from "../ir/opAttrs.ts";

/** Bytes per device of one training step's tensors, by kind (see the module comment). */
export interface TrainingMemory {
  readonly parameters: number;
  readonly gradients: number;
  readonly optimizerState: number;
  readonly savedActivations: number;
}

function treeLeaves(tree: ValueTree, out: ValueId[] = []): ValueId[] {
  if (tree.kind === "tensor") out.push(tree.value);
  else if (tree.kind === "array") tree.items.forEach((item) => treeLeaves(item, out));
  else Object.values(tree.fields).forEach((item) => treeLeaves(item, out));
  return out;
}

/** How a value of a lowered program is defined, and whether that is in the backward part of the step. */
type Definition =
  | { readonly kind: "op"; readonly op: Op; readonly inBackward: boolean }
  | { readonly kind: "loop"; readonly loop: Loop; readonly phase: Phase | undefined; readonly reads: readonly ValueId[] }
  | { readonly kind: "indexed"; readonly items: readonly ValueId[] };

/** "backward" when the loop's body holds a backward op, else "forward" when it holds a forward one. */
export function loopPhase(loop: Loop): Phase | undefined {
  let found: Phase | undefined;
  for (const op of walkOps(loop.body)) {
    if (op.phase === "backward") return "backward";
    if (op.phase === "forward") found = "forward";
  }
  return found;
}

/** Every value read inside a loop (inits, items, body inputs, results and yields). */
function loopReads(loop: Loop): ValueId[] {
  return [
    ...loop.carried.flatMap((entry) => [entry.init, entry.result]),
    ...loop.indexed.flatMap((entry) => entry.items),
    ...loopYields(loop).map((entry) => entry.result),
    ...[...walkOps(loop.body)].flatMap((op) => op.inputs),
  ];
}

/** The definitions of a program's values, and the values the backward reads (see the module comment). */
class StepReader {
  readonly definitions = new Map<ValueId, Definition>();
  /** Values read by backward or recomputed ops, and items and inits of backward loops. */
  readonly backwardReads: ValueId[] = [];
  /** Values read by forward, recomputed and backward ops. */
  readonly modelReads: ValueId[] = [];

  constructor(program: Program) {
    const top = program.body;
    const first = top.findIndex((statement) => (isLoop(statement) ? loopPhase(statement) === "backward" : statement.phase === "backward"));
    top.forEach((statement, index) => this.statement(statement, first >= 0 && index >= first));
  }

  private statement(statement: Op | Loop, inBackward: boolean): void {
    if (!isLoop(statement)) {
      this.definitions.set(statement.output, { kind: "op", op: statement, inBackward });
      if (statement.phase === "backward" || statement.phase === "recompute") this.backwardReads.push(...statement.inputs);
      if (statement.phase !== undefined) this.modelReads.push(...statement.inputs);
      return;
    }
    const phase = loopPhase(statement);
    const reads = loopReads(statement);
    for (const entry of statement.carried) {
      this.definitions.set(entry.output, { kind: "loop", loop: statement, phase, reads });
      this.definitions.set(entry.param, { kind: "loop", loop: statement, phase, reads });
    }
    for (const entry of loopYields(statement)) for (const item of entry.items) this.definitions.set(item, { kind: "loop", loop: statement, phase, reads: [entry.result] });
    for (const entry of statement.indexed) this.definitions.set(entry.param, { kind: "indexed", items: entry.items });
    const backwardLoop = inBackward || phase === "backward";
    if (backwardLoop) this.backwardReads.push(...statement.indexed.flatMap((entry) => entry.items), ...statement.carried.map((entry) => entry.init));
    if (phase !== undefined) this.modelReads.push(...statement.indexed.flatMap((entry) => entry.items));
    for (const inner of statement.body) this.statement(inner, backwardLoop);
  }

  /** Follow `id` back through collectives (only those in the backward part, when `backwardOnly`). */
  source(id: ValueId, backwardOnly: boolean): ValueId {
    let current = id;
    for (let definition = this.definitions.get(current); definition?.kind === "op" && collectiveKinds.has(definition.op.op) && (!backwardOnly || definition.inBackward); definition = this.definitions.get(current)) {
      current = definition.op.inputs[0];
    }
    return current;
  }

  /** Whether the forward made `id` (a forward op, or a forward loop's output or yielded item). */
  madeByForward(id: ValueId): boolean {
    const definition = this.definitions.get(this.source(id, false));
    if (definition?.kind === "op") return definition.op.phase === "forward";
    return definition?.kind === "loop" && definition.phase === "forward";
  }

  isParam(id: ValueId): boolean {
    const definition = this.definitions.get(id);
    return definition?.kind === "op" && definition.op.op === "param";
  }

  /** Every value that `ids` depend on (themselves included). */
  dependencies(ids: readonly ValueId[]): Set<ValueId> {
    const seen = new Set<ValueId>();
    const stack = [...ids];
    while (stack.length > 0) {
      const id = stack.pop() as ValueId;
      if (seen.has(id)) continue;
      seen.add(id);
      const definition = this.definitions.get(id);
      if (definition?.kind === "op") stack.push(...definition.op.inputs);
      else if (definition?.kind === "loop") stack.push(...definition.reads);
      else if (definition?.kind === "indexed") stack.push(...definition.items);
    }
    return seen;
  }

  /** The params behind a value the model reads: through collectives, and from a loop's indexed value to its items. */
  readParams(id: ValueId, out: Set<ValueId>): void {
    const source = this.source(id, false);
    const definition = this.definitions.get(source);
    if (definition?.kind === "indexed") definition.items.forEach((item) => this.readParams(item, out));
    else if (this.isParam(source)) out.add(source);
  }
}

/** The values behind each part of a training step's memory (see the module comment). */
interface StepParts {
  readonly parameters: readonly ValueId[];
  readonly gradients: readonly ValueId[];
  readonly optimizerState: readonly ValueId[];
  readonly savedActivations: readonly ValueId[];
}

function stepParts(program: Program): StepParts | undefined {
  if (program.stage !== "lowered") throw new Error(`trainingMemory: "${program.name}" is not lowered`);
  const pairs = program.gradients ?? [];
  if (pairs.length === 0) return undefined;
  const reader = new StepReader(program);
  const differentiated = pairs.filter((pair) => reader.isParam(pair.wrt));
  const wrt = new Set(differentiated.map((pair) => pair.wrt));
  const readByModel = new Set<ValueId>();
  for (const id of reader.modelReads) reader.readParams(id, readByModel);
  const state = [...reader.dependencies(treeLeaves(program.result))].filter((id) => reader.isParam(id) && !wrt.has(id) && !readByModel.has(id));
  const saved = new Set<ValueId>();
  for (const read of reader.backwardReads) {
    const kept = reader.source(read, true);
    if (!reader.isParam(reader.source(kept, false)) && reader.madeByForward(kept)) saved.add(kept);
  }
  return {
    parameters: differentiated.map((pair) => pair.wrt),
    gradients: differentiated.map((pair) => pair.gradient),
    optimizerState: state,
    savedActivations: [...saved],
  };
}

/** The memory of the training step `program` (lowered), or undefined when it takes no gradient. */
export function trainingMemory(program: Program): TrainingMemory | undefined {
  const parts = stepParts(program);
  if (parts === undefined) return undefined;
  const bytes = (id: ValueId): number => {
    const value = program.values.get(id);
    if (!value?.localDims) throw new Error(`trainingMemory: %${id} is not lowered`);
    return BYTES_PER_ELEMENT * value.localDims.reduce((product, dim) => product * dim.size, 1);
  };
  const total = (ids: Iterable<ValueId>): number => [...new Set(ids)].reduce((sum, id) => sum + bytes(id), 0);
  return {
    parameters: total(parts.parameters),
    gradients: total(parts.gradients),
    optimizerState: total(parts.optimizerState),
    savedActivations: total(parts.savedActivations),
  };
}

/** The optimizer state params of a training step (lowered): updated and returned, read by neither the loss nor its backward. */
export function optimizerStateParams(program: Program): readonly ValueId[] {
  return stepParts(program)?.optimizerState ?? [];
}
