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
 *   `phase: "forward"`, or collectives converting them before the backward
 *   starts) that a backward op reads, directly or through the collectives
 *   inserted for it; each counted once. Params are not activations.
 *
 * Collectives and other ops that `lower` inserts carry no phase; a read is
 * followed back through them to the op that made the value.
 */
import { BYTES_PER_ELEMENT } from "../../dsl/runtime/stats.ts";
import type { Block, Op, Program, ValueId, ValueTree } from "../ir/ir.ts";
import { collectiveKinds, isLoop, walkOps } from "../ir/opAttrs.ts";

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

/** Every value the loops of `block` define (carried params and outputs, indexed params), with the values the loop reads. */
function loopDefinitions(block: Block, out = new Map<ValueId, ValueId[]>()): Map<ValueId, ValueId[]> {
  for (const statement of block) {
    if (!isLoop(statement)) continue;
    const reads = [
      ...statement.carried.flatMap((entry) => [entry.init, entry.result]),
      ...statement.indexed.flatMap((entry) => entry.items),
      ...[...walkOps(statement.body)].flatMap((op) => op.inputs),
    ];
    for (const entry of statement.carried) [entry.param, entry.output].forEach((id) => out.set(id, reads));
    for (const entry of statement.indexed) out.set(entry.param, reads);
    loopDefinitions(statement.body, out);
  }
  return out;
}

/** The memory of the training step `program` (lowered), or undefined when it takes no gradient. */
export function trainingMemory(program: Program): TrainingMemory | undefined {
  if (program.stage !== "lowered") throw new Error(`trainingMemory: "${program.name}" is not lowered`);
  const pairs = program.gradients ?? [];
  if (pairs.length === 0) return undefined;
  const ops = [...walkOps(program.body)];
  const defs = new Map<ValueId, { op: Op; index: number }>(ops.map((op, index) => [op.output, { op, index }]));
  const bytes = (id: ValueId): number => {
    const value = program.values.get(id);
    if (!value?.localDims) throw new Error(`trainingMemory: %${id} is not lowered`);
    return BYTES_PER_ELEMENT * value.localDims.reduce((product, dim) => product * dim.size, 1);
  };
  const total = (ids: Iterable<ValueId>): number => [...new Set(ids)].reduce((sum, id) => sum + bytes(id), 0);
  const isParam = (id: ValueId): boolean => defs.get(id)?.op.op === "param";
  const firstBackward = ops.findIndex((op) => op.phase === "backward");
  /** Follow `id` back through inserted collectives (only those at or after `after`, when given). */
  const source = (id: ValueId, after = -1): ValueId => {
    let current = id;
    for (let def = defs.get(current); def && collectiveKinds.has(def.op.op) && def.index >= after; def = defs.get(current)) current = def.op.inputs[0];
    return current;
  };

  const differentiated = pairs.filter((pair) => isParam(pair.wrt));
  const wrt = new Set(differentiated.map((pair) => pair.wrt));
  const readByModel = new Set(ops.filter((op) => op.phase !== undefined).flatMap((op) => op.inputs.map((input) => source(input))));
  const state = [...dependencies(program, defs)].filter((id) => isParam(id) && !wrt.has(id) && !readByModel.has(id));
  const saved = new Set<ValueId>();
  for (const op of ops) {
    if (op.phase !== "backward") continue;
    for (const input of op.inputs) {
      const kept = source(input, firstBackward);
      const made = defs.get(kept);
      if (made && made.index < firstBackward && defs.get(source(kept))?.op.phase === "forward") saved.add(kept);
    }
  }
  return {
    parameters: total(differentiated.map((pair) => pair.wrt)),
    gradients: total(differentiated.map((pair) => pair.gradient)),
    optimizerState: total(state),
    savedActivations: total(saved),
  };
}

/** Every value that some result of `program` depends on (results included). */
function dependencies(program: Program, defs: ReadonlyMap<ValueId, { op: Op }>): Set<ValueId> {
  const loops = loopDefinitions(program.body);
  const seen = new Set<ValueId>();
  const stack = treeLeaves(program.result);
  while (stack.length > 0) {
    const id = stack.pop() as ValueId;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(defs.get(id)?.op.inputs ?? loops.get(id) ?? []));
  }
  return seen;
}
