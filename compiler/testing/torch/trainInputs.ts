/**
 * Inputs for a training step (params, AdamW state, integer ids and targets),
 * as the torch tests and the torch bench make them: uniform values in [-1, 1)
 * from `makeInputs`, then the AdamW state made valid.
 */
import { Tensor } from "../../../dsl/tensor.ts";
import type { Program } from "../../ir/ir.ts";
import { makeInputs, type Args } from "../harness.ts";
import type { TensorTree } from "../interpret.ts";

function mapTensors(tree: TensorTree, map: (value: number) => number): TensorTree {
  if (tree instanceof Tensor) return new Tensor(tree.dims, tree.data.map(map), tree.label);
  if (Array.isArray(tree)) return tree.map((item) => mapTensors(item, map));
  return Object.fromEntries(Object.entries(tree).map(([key, item]) => [key, mapTensors(item, map)]));
}

/** The AdamW state `{ step, m, v }` from uniform values in [-1, 1): step 0, m as it is, v = 1 + |v|. */
export function adamState(tree: TensorTree): TensorTree {
  const { step, m, v } = tree as Record<"step" | "m" | "v", TensorTree>;
  return { step: mapTensors(step, () => 0), m, v: mapTensors(v, (value) => 1 + Math.abs(value)) };
}

/**
 * Inputs of a training step `(params, state, ids, targets)`: ids and targets integers below `vocab`, the AdamW
 * state with m in [-1, 1), v in [1, 2) and step 0 (a 0-d scalar). A positive v keeps the first update linear in
 * the gradient; with v = 0 it is lr * sign(g), and a gradient within float noise of 0 may go either way.
 */
export function trainInputs(global: Program, seed: number, vocab: number): Args {
  const args = makeInputs(global, seed, { ids: vocab, targets: vocab });
  return args.map((arg) => (arg.name === "state" ? { name: arg.name, tree: adamState(arg.tree) } : arg));
}
