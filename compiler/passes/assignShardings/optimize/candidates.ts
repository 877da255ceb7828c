/**
 * The candidate strategies of each op for the `optimize` strategy (Alpa's
 * per-operator strategies, from the same sharding rules `propagate` uses):
 * on every mesh axis, which dim of the op's iteration space is split over it
 * (the operands that have the dim split along it, the others replicated; a
 * contracted dim leaves the result a pending sum), none, or a pending sum
 * passed through a linear op. Each is run through the op's rule (opRules.ts),
 * so only strategies the lowering computes correctly are kept, and
 * duplicates are dropped. A result that is a pending sum may be held pending,
 * reduced (all-reduce) or reduce-scattered along one of its dims; a result
 * the constraints want split where it is replicated is sliced (free).
 */
import type { MeshAxis } from "../../../../dsl/mesh.ts";
import { convSpatial } from "../../../../dsl/ops/shapeRulesConv.ts";
import type { Dim } from "../../../../dsl/tensor.ts";
import type { AxisState, Op, Program, Sharding } from "../../../ir/ir.ts";
import type { OpStrategy } from "../../../ir/shardingAssignment.ts";
import { replicatedState } from "../../../ir/sharding.ts";
import { planOperands } from "../axisPlan.ts";
import { multiOperandRule } from "../opRules.ts";
import { keepsPartialSum, planSingle } from "../singlePlans.ts";
import { allowed, combine, distinctSplits, shardingKey, wholeStates, type StateRules } from "./states.ts";

/** One way to run an op: its strategy and the sharding its result is held in. */
export interface Candidate {
  readonly strategy: OpStrategy;
  readonly held: Sharding;
}

const sumPartial: AxisState = { kind: "partial", reduce: "sum" };
const maxPartial: AxisState = { kind: "partial", reduce: "max" };

function toSharding(mesh: readonly MeshAxis[], states: readonly AxisState[]): Sharding {
  return Object.fromEntries(mesh.map((axis, index) => [axis.name, states[index]]));
}

/** What an op of the program sees: the dims of its operands and result. */
export interface OpShape {
  readonly operands: readonly (readonly Dim[])[];
  readonly output: readonly Dim[];
}

/** The held shardings of a result computed in `output`: pending sums kept, reduced or scattered; axes the rules fix sliced. */
export function heldVariants(output: Sharding, dims: readonly Dim[], mesh: readonly MeshAxis[], rules: StateRules): Sharding[] {
  const options = mesh.map((axis): AxisState[] => {
    const state = output[axis.name];
    const fixed = rules.fixed.get(axis.name);
    if (state.kind === "replicated" && fixed !== undefined) return [{ kind: "split", dim: fixed }];
    if (state.kind !== "partial") return [state];
    const splits = dims.filter((dim) => dim.size % axis.size === 0).map((dim): AxisState => ({ kind: "split", dim: dim.name }));
    return [state, replicatedState, ...splits];
  });
  return combine(options, distinctSplits).map((states) => toSharding(mesh, states)).filter((held) => allowed(rules, held, mesh));
}

/** Per axis, the operand states of the partial sums a multi-operand op passes through (by its rule), as vectors over its operands. */
function partialPasses(op: Op, count: number): AxisState[][] {
  const rule = multiOperandRule(op);
  if (!rule) return [];
  const vectors: AxisState[][] = [Array.from({ length: count }, () => sumPartial), Array.from({ length: count }, () => maxPartial)];
  for (let index = 0; index < count; index++) vectors.push(Array.from({ length: count }, (_, other) => (other === index ? sumPartial : replicatedState)));
  return vectors.filter((states) => rule.keep(states) !== undefined);
}

/** The strategies of a computing op with several operands (see the module comment). */
function multiOperandStrategies(op: Op, shape: OpShape, mesh: readonly MeshAxis[]): OpStrategy[] {
  const rule = multiOperandRule(op);
  if (!rule) return [];
  const names = shape.operands.map((dims) => dims.map((dim) => dim.name));
  const outNames = shape.output.map((dim) => dim.name);
  const space = new Map<string, number>();
  for (const dims of shape.operands) for (const dim of dims) if (!rule.excluded.has(dim.name)) space.set(dim.name, dim.size);
  type Choice = { kind: "none" } | { kind: "split"; dim: string } | { kind: "pass"; states: AxisState[] };
  const passes = partialPasses(op, shape.operands.length);
  const options = mesh.map((axis): Choice[] => [
    { kind: "none" },
    ...[...space].filter(([, size]) => size % axis.size === 0).map(([dim]): Choice => ({ kind: "split", dim })),
    ...passes.map((states): Choice => ({ kind: "pass", states })),
  ]);
  const splitOnce = (choices: readonly Choice[]): boolean => {
    const dims = choices.flatMap((choice) => (choice.kind === "split" ? [choice.dim] : []));
    return new Set(dims).size === dims.length;
  };
  const found: OpStrategy[] = [];
  for (const choices of combine(options, splitOnce)) {
    const operandState = (operand: number, choice: Choice): AxisState => {
      if (choice.kind === "pass") return choice.states[operand];
      if (choice.kind === "split" && names[operand].includes(choice.dim)) return { kind: "split", dim: choice.dim };
      return replicatedState;
    };
    const operands = names.map((dims, operand) => ({ dims, sharding: toSharding(mesh, choices.map((choice) => operandState(operand, choice))) }));
    const target = toSharding(mesh, choices.map((choice): AxisState => (choice.kind === "split" && outNames.includes(choice.dim) ? { kind: "split", dim: choice.dim } : replicatedState)));
    const plan = planOperands({ operands, outDims: outNames, outTarget: target, mesh, excluded: rule.excluded, keepPartial: rule.keep });
    if (!("ambiguous" in plan)) found.push(plan);
  }
  return found;
}

/** The strategies of an op with one operand: every state of the operand (pending sums where the op keeps them), through its rule. */
function singleOperandStrategies(op: Op, shape: OpShape, mesh: readonly MeshAxis[]): OpStrategy[] {
  const dims = shape.operands[0];
  const linear = keepsPartialSum(op);
  const keepsMax = op.op === "reduce" && op.fn === "max";
  const options = mesh.map((axis): AxisState[] => [
    replicatedState,
    ...dims.filter((dim) => dim.size % axis.size === 0).map((dim): AxisState => ({ kind: "split", dim: dim.name })),
    ...(linear ? [sumPartial] : []),
    ...(keepsMax ? [maxPartial] : []),
  ]);
  const replicated = toSharding(mesh, mesh.map(() => replicatedState));
  return combine(options, distinctSplits).map((states) => {
    const plan = planSingle({ op, operand: toSharding(mesh, states), operandDims: dims.map((dim) => dim.name), outTarget: replicated, mesh });
    return { operands: [plan.operand], output: plan.output };
  });
}

/** False for a conv2d strategy whose halo would reach past the next device (MT3002 at lowering). */
function haloFits(op: Op, shape: OpShape, strategy: OpStrategy, mesh: readonly MeshAxis[]): boolean {
  if (op.op !== "conv2d") return true;
  const kernel = shape.operands[1];
  return convSpatial(op).every((pair) => mesh.every((axis) => {
    const state = strategy.operands[0][axis.name];
    if (state.kind !== "split" || state.dim !== pair.dim) return true;
    const window = kernel.find((dim) => dim.name === pair.window)?.size ?? 1;
    const size = shape.operands[0].find((dim) => dim.name === pair.dim)?.size ?? 0;
    return (window - 1) / 2 <= size / axis.size;
  }));
}

/** The candidates of `op` (see the module comment); `rules` constrain its result's held sharding. */
export function opCandidates(op: Op, shape: OpShape, mesh: readonly MeshAxis[], rules: StateRules): Candidate[] {
  if (op.op === "param" || op.op === "full") {
    return wholeStates(shape.output, mesh, rules).map((state) => ({ strategy: { operands: [], output: state }, held: state }));
  }
  if (op.op === "relayout") {
    return wholeStates(shape.output, mesh, rules).map((state) => ({ strategy: { operands: [state], output: state }, held: state }));
  }
  if (op.op === "iota" || op.op === "random" || op.op === "constant") {
    const replicated = toSharding(mesh, mesh.map(() => replicatedState));
    return heldVariants(replicated, shape.output, mesh, rules).map((held) => ({ strategy: { operands: [], output: replicated }, held }));
  }
  const strategies = shape.operands.length > 1 || multiOperandRule(op) ? multiOperandStrategies(op, shape, mesh) : singleOperandStrategies(op, shape, mesh);
  const seen = new Set<string>();
  const found: Candidate[] = [];
  for (const strategy of strategies) {
    if (!haloFits(op, shape, strategy, mesh)) continue;
    for (const held of heldVariants(strategy.output, shape.output, mesh, rules)) {
      const key = [...strategy.operands.map((operand) => shardingKey(operand, mesh)), shardingKey(strategy.output, mesh), shardingKey(held, mesh)].join(" ");
      if (seen.has(key)) continue;
      seen.add(key);
      found.push({ strategy, held });
    }
  }
  return found;
}

/** The dims of `op`'s operands and result in `program`. */
export function shapeOf(program: Program, op: Op): OpShape {
  const dims = (id: number): readonly Dim[] => program.values.get(id)?.dims ?? [];
  const inputs = op.op === "relayout" ? op.inputs.slice(0, 1) : op.inputs;
  return { operands: inputs.map(dims), output: dims(op.output) };
}
