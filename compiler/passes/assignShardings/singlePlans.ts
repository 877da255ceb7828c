/**
 * The per-axis plans of ops with one tensor operand: what state the operand
 * must be in, and what state the result is in, on every mesh axis. Shape ops
 * keep a split where the local op computes the right block (a split major dim
 * of splitDim / mergeDims), and gather the dim first where it cannot (slice,
 * softmax, a split minor dim of mergeDims). Linear ops keep partial states.
 */
import type { MeshAxis } from "../../../dsl/mesh.ts";
import type { AxisState, Op, Sharding } from "../../ir/ir.ts";
import { replicatedState } from "../../ir/sharding.ts";

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

/** The result state on an axis where the operand (after conversion) is split along `dim`. */
function splitResult(op: Op, dim: string): AxisState {
  switch (op.op) {
    case "rename":
      return dim === op.from ? { kind: "split", dim: op.to } : { kind: "split", dim };
    case "reduce":
      if (!op.dims.includes(dim)) return { kind: "split", dim };
      return { kind: "partial", reduce: op.fn === "max" ? "max" : "sum" };
    case "splitDim":
      return dim === op.dim ? { kind: "split", dim: op.into[0].name } : { kind: "split", dim };
    case "mergeDims":
      return dim === op.dims[0] ? { kind: "split", dim: op.into } : { kind: "split", dim };
    default:
      return { kind: "split", dim };
  }
}

/** Plan a single-operand op (see the module comment). */
export function planSingle(request: SingleRequest): SinglePlan {
  const { op, operand, operandDims, outTarget, mesh } = request;
  const blocked = new Set(unsplittable(op));
  if (op.op === "splitDim") {
    const axis = mesh.find((entry) => operand[entry.name].kind === "split" && (operand[entry.name] as { dim: string }).dim === op.dim);
    if (axis && op.into[0].size % axis.size !== 0) blocked.add(op.dim);
  }
  const required: Record<string, AxisState> = {};
  const output: Record<string, AxisState> = {};
  const splitElsewhere = (dim: string, axis: string): boolean =>
    mesh.some((entry) => entry.name !== axis && operand[entry.name].kind === "split" && (operand[entry.name] as { dim: string }).dim === dim);
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
      const canScatter = target?.kind === "split" && operandDims.includes(target.dim) && !blocked.has(target.dim) && !splitElsewhere(target.dim, axis);
      state = canScatter ? target : replicatedState;
    }
    if (state.kind === "split" && blocked.has(state.dim)) state = replicatedState;
    required[axis] = state;
    output[axis] = state.kind === "split" ? splitResult(op, state.dim) : state;
  }
  return { operand: required, output };
}
