/**
 * Every op's sharding rule, in one place: given the shardings its operands
 * are held in and the sharding the constraints ask for its result, the
 * sharding each operand must be read in and the sharding the local op
 * computes (its strategy). Ops with several operands follow axisPlan.ts, ops
 * with one follow singlePlans.ts, conv2d is planned like an einsum of its
 * input and kernel with its window dims (and "valid" spatial dims) gathered
 * first (compiler/passes/lower/lowerConv.ts materializes the halos of a
 * spatial dim that stays split).
 */
import type { MeshAxis } from "../../../dsl/mesh.ts";
import { convSpatial } from "../../../dsl/ops/shapeRulesConv.ts";
import type { Op, Sharding } from "../../ir/ir.ts";
import type { OpStrategy } from "../../ir/shardingAssignment.ts";
import { axesSplitting, replicatedState } from "../../ir/sharding.ts";
import {
  keepWhenAllPartialMax, keepWhenAllPartialSum, keepWhenFirstPartialSum, keepWhenOnePartialSum, planOperands, reducePartials,
  type AmbiguousPlan, type KeepPartial,
} from "./axisPlan.ts";
import { planSingle } from "./singlePlans.ts";

/** How a multi-operand op treats partial operands, and which dims it cannot keep split; undefined for single-operand ops. */
export function multiOperandRule(op: Op): { keep: KeepPartial; excluded: ReadonlySet<string> } | undefined {
  switch (op.op) {
    case "binary":
      if (op.scalar) return undefined;
      if (op.fn === "add" || op.fn === "sub") return { keep: keepWhenAllPartialSum, excluded: new Set() };
      if (op.fn === "mul") return { keep: keepWhenOnePartialSum, excluded: new Set() };
      if (op.fn === "div") return { keep: keepWhenFirstPartialSum, excluded: new Set() };
      if (op.fn === "maximum") return { keep: keepWhenAllPartialMax, excluded: new Set() };
      return { keep: reducePartials, excluded: new Set() };
    case "where":
    case "unaryGrad":
      return { keep: reducePartials, excluded: new Set() };
    case "normalizeGrad":
      // x and g along the normalized dim whole (decompose rewrites it where the layout splits that dim)
      return { keep: reducePartials, excluded: new Set([op.dim]) };
    case "dropout":
      // x and its key's scalar step (read replicated); with no step, a single-operand op.
      return op.inputs.length > 1 ? { keep: reducePartials, excluded: new Set() } : undefined;
    case "einsum":
      return { keep: keepWhenOnePartialSum, excluded: new Set() };
    case "concat":
      return { keep: keepWhenAllPartialSum, excluded: new Set([op.dim]) };
    case "gather":
      return { keep: keepWhenFirstPartialSum, excluded: new Set([op.dim]) };
    case "conv2d": {
      const valid = convSpatial(op).filter((pair) => pair.padding === "valid").map((pair) => pair.dim);
      return { keep: keepWhenOnePartialSum, excluded: new Set([op.kernelHeight, op.kernelWidth, ...valid]) };
    }
    default:
      return undefined;
  }
}

/** One operand as a rule sees it: its dim names and the sharding it is held in. */
export interface RuleOperand {
  readonly dims: readonly string[];
  readonly sharding: Sharding;
  /** Its dim sizes (global), for the rules that depend on them (an uneven split of a merged dim). */
  readonly sizes?: Readonly<Record<string, number>>;
}

/**
 * The strategy of a computing op (not param, full, relayout: those take their
 * target) from its operands' held shardings and its result's target, or the
 * axis and dims it cannot choose between (MT3001).
 */
export function planOp(op: Op, operands: readonly RuleOperand[], outDims: readonly string[], outTarget: Sharding, mesh: readonly MeshAxis[]): OpStrategy | AmbiguousPlan {
  if (op.op === "iota" || op.op === "random" || op.op === "constant") {
    return { operands: [], output: Object.fromEntries(mesh.map((axis) => [axis.name, replicatedState])) };
  }
  const rule = multiOperandRule(op);
  if (rule) {
    const excluded = op.op === "conv2d" ? new Set([...rule.excluded, ...unhaloedSpatial(op, operands[0], outTarget, mesh)]) : rule.excluded;
    return planOperands({ operands, outDims, outTarget, mesh, excluded, keepPartial: rule.keep });
  }
  const plan = planSingle({ op, operand: operands[0].sharding, operandDims: operands[0].dims, outTarget, mesh, operandSizes: operands[0].sizes });
  return { operands: [plan.operand], output: plan.output };
}

/**
 * The spatial dims of a conv2d that a halo exchange cannot serve, so they are
 * gathered first: split (in the input or the result's target) over more than
 * one axis (a block's neighbour may sit in another group of the minor axis),
 * or split unevenly (a short block's neighbour would read its padding).
 */
function unhaloedSpatial(op: Extract<Op, { op: "conv2d" }>, x: RuleOperand, outTarget: Sharding, mesh: readonly MeshAxis[]): string[] {
  return convSpatial(op).map((pair) => pair.dim).filter((dim) =>
    [x.sharding, outTarget].some((sharding) => {
      const axes = axesSplitting(dim, sharding, mesh);
      const devices = axes.reduce((product, axis) => product * axis.size, 1);
      return axes.length > 1 || (x.sizes?.[dim] ?? 0) % devices !== 0;
    }));
}
