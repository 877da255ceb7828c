/**
 * The per-axis plans of ops with one tensor operand: what state the operand
 * must be in, and what state the result is in, on every mesh axis. Shape ops
 * keep a split where the local op computes the right block (a split major dim
 * of splitDim / mergeDims), and gather the dim first where it cannot (slice,
 * softmax and normalize, a split minor dim of mergeDims). Linear ops keep partial states.
 */
import type { MeshAxis } from "../../../dsl/mesh.ts";
import type { AxisState, Op, Sharding } from "../../ir/ir.ts";
import { axesSplitting, normalizeOrders, replicatedState, splitDevices } from "../../ir/sharding.ts";

/** The operand's required sharding and the result's sharding. */
export interface SinglePlan {
  readonly operand: Sharding;
  readonly output: Sharding;
}

/** Everything a single-operand plan reads. */
export interface SingleRequest {
  readonly op: Op;
  readonly operand: Sharding;
  readonly operandDims: readonly string[];
  readonly outTarget: Sharding;
  readonly mesh: readonly MeshAxis[];
  /** The operand's dim sizes (global), where the plan depends on them (mergeDims of an unevenly split dim). */
  readonly operandSizes?: Readonly<Record<string, number>>;
}

/** True when `op` is linear in its operand, so a partial(sum) operand gives a partial(sum) result. */
export function keepsPartialSum(op: Op): boolean {
  switch (op.op) {
    case "unary":
      return op.fn === "neg";
    case "binary":
      return op.scalar !== undefined && (op.fn === "mul" || (op.fn === "div" && op.scalar.position === 1));
    case "rename":
    case "transpose":
    case "splitDim":
    case "mergeDims":
    case "slice":
      return true;
    case "reduce":
      return op.fn === "sum";
    default:
      return false;
  }
}

/** The dims `op` (with one operand) cannot keep split: they are gathered before it. */
export function unsplittable(op: Op): readonly string[] {
  switch (op.op) {
    case "softmax":
    case "normalize":
      return [op.dim];
    case "slice":
      return [op.dim];
    case "mergeDims":
      return op.dims.slice(1);
    case "reduce":
      return op.fn === "sum" || op.fn === "max" ? [] : op.dims;
    default:
      return [];
  }
}

/** The result state on an axis where the operand (after conversion) is `state`, a split (its order is kept: the dim's stack of axes carries over). */
function splitResult(op: Op, state: Extract<AxisState, { kind: "split" }>): AxisState {
  const dim = state.dim;
  switch (op.op) {
    case "rename":
      return dim === op.from ? { ...state, dim: op.to } : state;
    case "reduce":
      if (!op.dims.includes(dim)) return state;
      return { kind: "partial", reduce: op.fn === "max" ? "max" : "sum" };
    case "splitDim":
      return dim === op.dim ? { ...state, dim: op.into[0].name } : state;
    case "mergeDims":
      return dim === op.dims[0] ? { ...state, dim: op.into } : state;
    default:
      return state;
  }
}

/** Plan a single-operand op (see the module comment). */
export function planSingle(request: SingleRequest): SinglePlan {
  const { op, operand, operandDims, outTarget, mesh } = request;
  const blocked = new Set(unsplittable(op));
  const devices = (dim: string): number => splitDevices(dim, operand, mesh);
  const sizeOf = (dim: string): number | undefined => request.operandSizes?.[dim];
  // splitDim keeps the split of its major part only when the axes divide it (then the split was even); mergeDims keeps
  // the split of its major dim only when that split is even (a padded block would not be the merged dim's block)
  if (op.op === "splitDim" && op.into[0].size % devices(op.dim) !== 0) blocked.add(op.dim);
  if (op.op === "mergeDims" && (sizeOf(op.dims[0]) ?? 0) % devices(op.dims[0]) !== 0) blocked.add(op.dims[0]);
  const required: Record<string, AxisState> = {};
  const output: Record<string, AxisState> = {};
  /** The dim's target stack up to `axis` is exactly what the operand holds of it on the other axes: a reduce-scatter onto `axis` extends it. */
  const scatterFits = (dim: string, axis: string): boolean => {
    const others = axesSplitting(dim, operand, mesh).map((entry) => entry.name).filter((name) => name !== axis);
    const goal = axesSplitting(dim, outTarget, mesh).map((entry) => entry.name);
    const position = goal.indexOf(axis);
    return position === others.length && others.every((name, index) => goal[index] === name);
  };
  for (const { name: axis } of mesh) {
    let state = operand[axis];
    if (state.kind === "partial") {
      const keep = (state.reduce === "sum" && keepsPartialSum(op)) || (state.reduce === "max" && op.op === "reduce" && op.fn === "max");
      if (keep) {
        required[axis] = state;
        output[axis] = state;
        continue;
      }
      const target = outTarget[axis];
      const canScatter = target?.kind === "split" && operandDims.includes(target.dim) && !blocked.has(target.dim) && scatterFits(target.dim, axis);
      state = canScatter ? target : replicatedState;
    }
    if (state.kind === "split" && blocked.has(state.dim)) state = replicatedState;
    required[axis] = state;
    output[axis] = state.kind === "split" ? splitResult(op, state) : state;
  }
  return { operand: normalizeOrders(required, mesh), output: normalizeOrders(output, mesh) };
}
