/**
 * The sharding of every value of a global program, decided once by
 * `assignShardings` (compiler/passes/assignShardings) and materialized by
 * `lower`: the data the two passes share, kept on the program
 * (`Program.assignment`).
 *
 * For every op the assignment gives its strategy: the sharding each operand
 * is read in and the sharding the local op computes its result in. For every
 * value it gives the sharding the value is *held* in, which every consumer
 * reads it from: the op's result sharding, or a conversion of it decided for
 * the whole program (a free local slice to the layout's split, or a pending
 * sum reduced once for all its consumers). Each held sharding says where it
 * came from (`ShardingSource`), for `meshtype explain`.
 */
import { formatRules, type LayoutRule } from "../../dsl/parseLayout.ts";
import type { Sharding, SourceLoc, ValueId } from "./ir.ts";

/**
 * Why a value is held in its sharding:
 * - `layout`: the program's layout rules (`rules`: those that split one of its dims; none: all replicated);
 * - `relayout`: a `relayout(x, rules)` in the user's code at `loc` (`rules` as written);
 * - `pinned`: computed from a value a relayout constrained, whose rules it keeps (GSPMD-style propagation);
 *   `backward`: a value a relayouted value is computed from, made in the relayout's layout (open layouts only);
 * - `weightUpdate`: weight-update sharding put it on `axis` (`program(f, { weightUpdateSharding })`);
 * - `op`: the op's sharding rule, from its operands' shardings (e.g. an einsum over a split dim leaves a pending sum);
 * - `reducedOnce`: a pending sum read by several consumers (or on the way to several), reduced once for all of them;
 * - `solver`: chosen by the `optimize` strategy (the ILP).
 */
export type ShardingSource =
  | { readonly kind: "layout"; readonly rules: readonly LayoutRule[] }
  | { readonly kind: "relayout"; readonly rules: readonly LayoutRule[]; readonly loc: SourceLoc }
  | { readonly kind: "pinned"; readonly rules: readonly LayoutRule[]; readonly backward?: { readonly loc: SourceLoc } }
  | { readonly kind: "weightUpdate"; readonly axis: string }
  | { readonly kind: "op"; readonly op: string }
  | { readonly kind: "reducedOnce"; readonly axes: readonly string[] }
  | { readonly kind: "solver" };

/** The sharding a value is held in, and why. */
export interface HeldSharding {
  readonly sharding: Sharding;
  readonly source: ShardingSource;
}

/** What an op reads and computes: one sharding per operand (in order), and its result's. */
export interface OpStrategy {
  readonly operands: readonly Sharding[];
  readonly output: Sharding;
}

/** The decided sharding of every value of a global program (see the module comment). */
export interface ShardingAssignment {
  /** The strategy that decided it: `propagate` (sharding completion) or `optimize` (the ILP). */
  readonly strategy: "propagate" | "optimize";
  /** Every op's strategy, by the op's output value. Loops have none (their values are in `held`). */
  readonly ops: ReadonlyMap<ValueId, OpStrategy>;
  /** Every value's held sharding: ops' outputs, loop params and outputs. */
  readonly held: ReadonlyMap<ValueId, HeldSharding>;
  /** The sharding each leaf of the program's result is returned in (never partial), by value. */
  readonly results: ReadonlyMap<ValueId, Sharding>;
}

/** One line for `meshtype explain`: `layout "batch:data"`, `relayout "experts:data" at moe.ts:40:12`, `reduced once (model)`. */
export function formatShardingSource(source: ShardingSource): string {
  switch (source.kind) {
    case "layout":
      return source.rules.length === 0 ? "layout (replicated)" : `layout "${formatRules(source.rules)}"`;
    case "relayout":
      return `relayout "${formatRules(source.rules)}" at ${source.loc.file}:${source.loc.line}:${source.loc.column}`;
    case "pinned":
      return source.backward
        ? `propagated back from relayout "${formatRules(source.rules)}" at ${source.backward.loc.file}:${source.backward.loc.line}:${source.backward.loc.column}`
        : `propagated from relayout "${formatRules(source.rules)}"`;
    case "weightUpdate":
      return `weight-update sharding over ${source.axis}`;
    case "op":
      return `${source.op} rule`;
    case "reducedOnce":
      return `reduced once (${source.axes.join(", ")})`;
    case "solver":
      return "solver";
  }
}
