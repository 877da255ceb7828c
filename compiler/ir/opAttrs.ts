/**
 * Helpers over the `Op` union of ir.ts: an op's attributes without its
 * inputs/output/loc, and the groups the passes switch on.
 */
import type { Conv2dSpec } from "../../dsl/ops/shapeRulesConv.ts";
import type { Block, Loop, LoopYield, Op, OpKind, ValueId } from "./ir.ts";

/** Remove keys from every member of a union (the plain `Omit` collapses unions). */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** An op's kind and attributes: what the builder takes, and what passes copy when they rebuild an op. */
export type OpAttrs = DistributiveOmit<Op, "inputs" | "output" | "loc">;

/** The op of kind `K`. */
export type OpOf<K extends OpKind> = Extract<Op, { readonly op: K }>;

/** The collectives and the local slice: ops that only `lower` inserts. */
export const collectiveKinds: ReadonlySet<OpKind> = new Set<OpKind>([
  "allReduce",
  "allGather",
  "reduceScatter",
  "allToAll",
  "localSlice",
  "haloExchange",
]);

/** True for a statement that is a loop. */
export function isLoop(statement: Op | Loop): statement is Loop {
  return statement.op === "loop";
}

/** The values a loop yields per iteration (none when `yields` is absent). */
export function loopYields(loop: Loop): readonly LoopYield[] {
  return loop.yields ?? [];
}

/** Every value a loop statement defines in the block around it: its carried outputs and yielded items. */
export function loopOutputs(loop: Loop): ValueId[] {
  return [...loop.carried.map((entry) => entry.output), ...loopYields(loop).flatMap((entry) => entry.items)];
}

/** Every op of a block, loop bodies included, in program order. */
export function* walkOps(block: Block): Generator<Op> {
  for (const statement of block) {
    if (isLoop(statement)) yield* walkOps(statement.body);
    else yield statement;
  }
}

/** The attributes of `op` (everything but inputs, output and loc). */
export function attrsOf(op: Op): OpAttrs {
  const { inputs: _inputs, output: _output, loc: _loc, ...attrs } = op;
  return attrs as OpAttrs;
}

/**
 * The options one device passes to the eager `conv2d` for a (lowered) conv2d
 * op: the op's own, except that a spatial dim whose input carries halos is
 * convolved "valid" (the halos stand in for the zero padding).
 */
export function localConv2dOptions(op: OpOf<"conv2d">): Conv2dSpec {
  const halo = op.halo ?? [];
  return {
    height: op.height,
    width: op.width,
    kernelHeight: op.kernelHeight,
    kernelWidth: op.kernelWidth,
    in: op.in,
    out: op.out,
    padding: {
      height: halo.includes(op.height) ? "valid" : op.padding.height,
      width: halo.includes(op.width) ? "valid" : op.padding.width,
    },
  };
}
