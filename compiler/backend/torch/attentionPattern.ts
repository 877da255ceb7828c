/**
 * Attention emitted as one call: the chain
 *
 *   scores  = einsum(q, k)            contracting one dim E (d_head), q [B.. L E], k [B.. S E]
 *   scaled  = scores * c              (optional, a scalar)
 *   masked  = scaled + mask           (optional, mask over some of [B.. L S])
 *   weights = softmax(masked, S)
 *   out     = einsum(weights, v)      contracting S, v [B.. S Ev]
 *
 * where every intermediate is read by the next op only, becomes
 * `mt.attention(q, k, v, mask, c)` (runtime/meshtype_torch/attention.py):
 * torch's `scaled_dot_product_attention` where torch has it (2.0 and later),
 * which runs fused kernels on a GPU, and the same ops as before on torch 1.13.
 * In a training step the softmax's output is saved for the backward (it has
 * another reader), so the chain does not match there and the step keeps its
 * ops: the compiled backward reads `weights`.
 */
import type { Dim } from "../../../dsl/tensor.ts";
import type { Block, Op, Program, Value, ValueId, ValueTree } from "../../ir/ir.ts";
import { isLoop, loopYields } from "../../ir/opAttrs.ts";
import { alignTo, type TorchOperand } from "./emitTorchOp.ts";
import { pythonNumber, pythonTuple } from "./python.ts";

/** One matched chain: its ops (the last one is `out`) and what the call needs. */
export interface AttentionChain {
  /** The ops the call replaces, in program order; the last defines the result. */
  readonly ops: readonly Op[];
  readonly q: ValueId;
  readonly k: ValueId;
  readonly v: ValueId;
  readonly mask?: ValueId;
  readonly scale: number;
  /** Dim names: the batch dims (in the output's order), the query and key sequences, the head and value dims. */
  readonly batch: readonly string[];
  readonly query: string;
  readonly key: string;
  readonly head: string;
  readonly valueDim: string;
}

function localNames(program: Program, id: ValueId): string[] {
  const value = program.values.get(id) as Value;
  return (value.localDims ?? value.dims).map((dim: Dim) => dim.name);
}

function sameSet(names: readonly string[], expected: readonly string[]): boolean {
  return names.length === expected.length && expected.every((name) => names.includes(name));
}

/** How many times each value is read: by ops, loops (inits, carried results, items, yields) and the result. */
function readCounts(program: Program): Map<ValueId, number> {
  const counts = new Map<ValueId, number>();
  const read = (id: ValueId): void => void counts.set(id, (counts.get(id) ?? 0) + 1);
  const visit = (block: Block): void => {
    for (const statement of block) {
      if (!isLoop(statement)) {
        statement.inputs.forEach(read);
        continue;
      }
      for (const entry of statement.carried) {
        read(entry.init);
        read(entry.result);
      }
      for (const entry of statement.indexed) entry.items.forEach(read);
      for (const entry of loopYields(statement)) read(entry.result);
      visit(statement.body);
    }
  };
  const tree = (node: ValueTree): void => {
    if (node.kind === "tensor") read(node.value);
    else if (node.kind === "array") node.items.forEach(tree);
    else Object.values(node.fields).forEach(tree);
  };
  visit(program.body);
  tree(program.result);
  return counts;
}

/** The op before the mask in the chain: the scores' einsum, or their scaling by a scalar. */
function isScoresLink(op: Op | undefined): boolean {
  return op?.op === "einsum" || (op?.op === "binary" && op.fn === "mul" && op.scalar !== undefined);
}

/** The chain that ends at `out` (an einsum of a softmax's output), or undefined. */
function chainAt(program: Program, out: Op, definers: ReadonlyMap<ValueId, Op>, reads: ReadonlyMap<ValueId, number>): AttentionChain | undefined {
  if (out.op !== "einsum" || out.inputs.length !== 2) return undefined;
  const only = (id: ValueId): Op | undefined => (reads.get(id) === 1 ? definers.get(id) : undefined);
  // weights · v, in either order
  const weightsAt = out.inputs.findIndex((id) => definers.get(id)?.op === "softmax");
  if (weightsAt < 0) return undefined;
  const v = out.inputs[1 - weightsAt];
  const softmax = only(out.inputs[weightsAt]);
  if (softmax?.op !== "softmax" || softmax.log) return undefined;
  const key = softmax.dim;
  let current = only(softmax.inputs[0]);
  let mask: ValueId | undefined;
  let scale = 1;
  const ops: Op[] = [softmax, out];
  if (current?.op === "binary" && current.fn === "add" && current.scalar === undefined) {
    // scaled + mask or mask + scaled: the chain is the side the scale or the scores define
    const add: Op = current;
    const chainAt = add.inputs.findIndex((id) => isScoresLink(only(id)));
    if (chainAt < 0) return undefined;
    ops.unshift(add);
    mask = add.inputs[1 - chainAt];
    current = only(add.inputs[chainAt]);
  }
  if (current?.op === "binary" && current.fn === "mul" && current.scalar !== undefined) {
    ops.unshift(current);
    scale = current.scalar.value;
    current = only(current.inputs[0]);
  }
  if (current?.op !== "einsum" || current.inputs.length !== 2) return undefined;
  ops.unshift(current);
  // q · k in either order: q is the operand without the softmax's dim
  const [q, k] = localNames(program, current.inputs[0]).includes(key) ? [current.inputs[1], current.inputs[0]] : [current.inputs[0], current.inputs[1]];
  const scores = localNames(program, current.output);
  const qNames = localNames(program, q);
  const kNames = localNames(program, k);
  const vNames = localNames(program, v);
  const outNames = localNames(program, out.output);
  // q and k share the batch dims and E (contracted); q has L, k has S
  const contracted = qNames.filter((name) => !scores.includes(name));
  if (contracted.length !== 1 || !kNames.includes(contracted[0])) return undefined;
  const head = contracted[0];
  const query = qNames.find((name) => name !== head && !kNames.includes(name));
  if (query === undefined || !kNames.includes(key) || qNames.includes(key)) return undefined;
  // the batch dims (heads among them) are the scores' others, in the output's order
  const batch = outNames.filter((name) => scores.includes(name) && name !== query && name !== key);
  const valueDims = vNames.filter((name) => name !== key && !batch.includes(name));
  if (valueDims.length !== 1) return undefined;
  const valueDim = valueDims[0];
  const expected = (...names: string[]): string[] => [...batch, ...names];
  if (!sameSet(qNames, expected(query, head)) || !sameSet(kNames, expected(key, head)) || !sameSet(scores, expected(query, key))) return undefined;
  if (!sameSet(vNames, expected(key, valueDim)) || !sameSet(outNames, expected(query, valueDim))) return undefined;
  if (mask !== undefined && !localNames(program, mask).every((name) => expected(query, key).includes(name))) return undefined;
  return { ops, q, k, v, mask, scale, batch, query, key, head, valueDim };
}

/** Every attention chain of `program`, by the op that ends it; all the ops of a chain lie in one block. */
export function attentionChains(program: Program): Map<Op, AttentionChain> {
  const reads = readCounts(program);
  const chains = new Map<Op, AttentionChain>();
  const visit = (block: Block): void => {
    const definers = new Map<ValueId, Op>();
    for (const statement of block) {
      if (isLoop(statement)) {
        visit(statement.body);
        continue;
      }
      definers.set(statement.output, statement);
      const chain = chainAt(program, statement, definers, reads);
      if (chain !== undefined) chains.set(statement, chain);
    }
  };
  visit(program.body);
  return chains;
}

/**
 * The call for `chain`: operands laid out as [B.. L E], [B.. S E], [B.. S Ev] (the mask broadcast over
 * [B.. L S]), the result permuted back into the output's dim order. `operand(id)` names an input.
 */
export function attentionCall(chain: AttentionChain, program: Program, operand: (id: ValueId) => TorchOperand): string {
  const { batch, query, key, head, valueDim } = chain;
  const q = alignTo(operand(chain.q), [...batch, query, head]);
  const k = alignTo(operand(chain.k), [...batch, key, head]);
  const v = alignTo(operand(chain.v), [...batch, key, valueDim]);
  const mask = chain.mask === undefined ? "None" : alignTo(operand(chain.mask), [...batch, query, key]);
  const call = `mt.attention(${q}, ${k}, ${v}, ${mask}, ${pythonNumber(chain.scale)})`;
  const produced = [...batch, query, valueDim];
  const wanted = localNames(program, chain.ops[chain.ops.length - 1].output);
  const order = wanted.map((name) => produced.indexOf(name));
  return order.every((position, index) => position === index) ? call : `${call}.permute${pythonTuple(order)}`;
}
