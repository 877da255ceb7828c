/**
 * Where lowering masks padding. An unevenly split dim leaves the last blocks
 * short: their tail is padding, whose values are whatever the local ops made
 * of it (GSPMD's semantics: padded entries are undefined). Most ops do not
 * care: what they compute at a padded position stays at a padded position,
 * and all-gathers drop it. The ops that read along a padded dim into real
 * entries get the padding replaced first (a `maskPadding`, by select, so an
 * infinity or NaN in the padding cannot leak):
 *
 * - a reduction over it: 0 before a sum, -Infinity before a max, +Infinity
 *   before a min (mean and logsumexp over a split dim are decomposed into
 *   these, or gathered first);
 * - an einsum or conv2d that contracts it: 0 in every operand that has it;
 * - ids read by gather or oneHot: 0 (a valid id), so padded ids never
 *   index out of range.
 *
 * Ops that would mix padding into real entries otherwise (softmax, slice,
 * concat and gather along the dim, a merge or split of it, a spatial conv
 * dim) never see it split: the sharding rules gather it first.
 */
import type { MeshAxis } from "../../../dsl/mesh.ts";
import type { Op, Value } from "../../ir/ir.ts";
import { paddedDimsOf } from "../../ir/sharding.ts";

/** One mask: the padded dims of an operand to set to `fill` before the op reads it. */
export interface PaddingMask {
  readonly dims: readonly string[];
  readonly fill: number;
}

const reduceFill: Readonly<Record<string, number>> = { sum: 0, max: -Infinity, min: Infinity };

/** The mask each operand of `op` needs (by position; undefined: none), given the operands as the local op reads them. */
export function paddingMasks(op: Op, operands: readonly Value[], output: Value, mesh: readonly MeshAxis[]): (PaddingMask | undefined)[] {
  const padded = (value: Value): string[] => (value.sharding ? paddedDimsOf(value.dims, value.sharding, mesh).map((entry) => entry.dim) : []);
  const mask = (value: Value, dims: readonly string[], fill: number): PaddingMask | undefined => {
    const found = padded(value).filter((dim) => dims.includes(dim));
    return found.length === 0 ? undefined : { dims: found, fill };
  };
  const outNames = output.dims.map((dim) => dim.name);
  switch (op.op) {
    case "reduce": {
      const fill = reduceFill[op.fn];
      const found = mask(operands[0], op.dims, fill ?? 0);
      if (found && fill === undefined) throw new Error(`lower: ${op.fn} over the padded dims ${found.dims.join(", ")} (the sharding rules gather them first)`);
      return [found];
    }
    case "einsum":
      return operands.map((operand) => mask(operand, operand.dims.map((dim) => dim.name).filter((name) => !outNames.includes(name)), 0));
    case "conv2d":
      return operands.map((operand) => mask(operand, [op.in], 0));
    case "gather":
      return [undefined, mask(operands[1], operands[1].dims.map((dim) => dim.name), 0)];
    case "oneHot":
      return [mask(operands[0], operands[0].dims.map((dim) => dim.name), 0)];
    default:
      return operands.map(() => undefined);
  }
}
