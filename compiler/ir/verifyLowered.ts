/**
 * The verifier's checks that only apply to lowered programs: full shardings,
 * local dims that agree with them, and collectives that agree with the states
 * they convert between. Each check calls `fail` (which throws) on a problem.
 */
import type { AxisState, Op, Program, Value } from "./ir.ts";
import { formatDims, formatOp } from "./printer.ts";
import { axesSplitting, formatSharding, localDimsOf, sameState } from "./sharding.ts";

/** Check one value of a lowered program: a state on every mesh axis, split dims it has (once), and local dims. */
export function checkLoweredValue(program: Program, value: Value, fail: (message: string) => never): void {
  // Formatted only when a check fails: the verifier runs after every pass, on every value.
  const what = { toString: () => `%${value.id}${value.hint ? ` (${value.hint})` : ""} ${formatDims(value.dims)}` };
  const sharding = value.sharding ?? fail(`${what} has no sharding`);
  const axisNames = program.mesh.map((axis) => axis.name);
  for (const axis of Object.keys(sharding)) {
    if (!axisNames.includes(axis)) fail(`${what} has a state on "${axis}", which is not a mesh axis`);
  }
  for (const axis of program.mesh) {
    const state = sharding[axis.name] ?? fail(`${what} has no state on mesh axis "${axis.name}"`);
    if (state.kind !== "split") continue;
    const dim = value.dims.find((candidate) => candidate.name === state.dim) ?? fail(`${what} is split over "${axis.name}" on "${state.dim}", which it does not have`);
    if (dim.size % axis.size !== 0) fail(`${what}: "${axis.name}" (size ${axis.size}) does not divide "${dim.name}"`);
    if (axesSplitting(dim.name, sharding, program.mesh).length > 1) fail(`${what} splits "${dim.name}" over more than one axis ${formatSharding(sharding)}`);
  }
  const expected = localDimsOf(value.dims, sharding, program.mesh);
  const actual = value.localDims;
  const same = actual !== undefined && actual.length === expected.length && actual.every((dim, index) => dim.name === expected[index].name && dim.size === expected[index].size);
  if (!same) fail(`${what} ${formatSharding(sharding)} has local dims ${actual ? formatDims(actual) : "none"}, expected ${formatDims(expected)}`);
}

/** The state a collective needs on its axis, and the state it leaves. */
function collectiveStates(op: Op): { from: AxisState; to: AxisState; axis: string } | undefined {
  switch (op.op) {
    case "allReduce":
      return { axis: op.axis, from: { kind: "partial", reduce: op.reduce }, to: { kind: "replicated" } };
    case "allGather":
      return { axis: op.axis, from: { kind: "split", dim: op.dim }, to: { kind: "replicated" } };
    case "reduceScatter":
      return { axis: op.axis, from: { kind: "partial", reduce: op.reduce }, to: { kind: "split", dim: op.dim } };
    case "allToAll":
      return { axis: op.axis, from: { kind: "split", dim: op.concatDim }, to: { kind: "split", dim: op.splitDim } };
    case "localSlice":
      return { axis: op.axis, from: { kind: "replicated" }, to: { kind: "split", dim: op.dim } };
    case "haloExchange":
      return { axis: op.axis, from: { kind: "split", dim: op.dim }, to: { kind: "split", dim: op.dim, halo: op.halo } };
    default:
      return undefined;
  }
}

/**
 * Check a lowered conv2d: a spatial dim of x that is split carries a halo of
 * (window - 1) / 2 rows exactly when the op convolves it "valid" for its halo
 * (`op.halo`), and nothing else of x or the kernel has a halo.
 */
function checkConv(program: Program, op: Extract<Op, { op: "conv2d" }>, fail: (message: string) => never): void {
  const line = formatOp(program, op);
  const [x, kernel] = op.inputs.map((input) => program.values.get(input));
  if (!x?.sharding || !kernel?.sharding) fail(`${line}: inputs have no sharding`);
  if (Object.values(kernel.sharding).some((state) => state.kind === "split" && state.halo)) fail(`${line}: the kernel has a halo`);
  const windows = [
    { dim: op.height, window: op.kernelHeight },
    { dim: op.width, window: op.kernelWidth },
  ];
  for (const [axis, state] of Object.entries(x.sharding)) {
    if (state.kind !== "split") continue;
    const spatial = windows.find((entry) => entry.dim === state.dim);
    const size = kernel.dims.find((dim) => dim.name === spatial?.window)?.size ?? 1;
    const want = spatial ? (size - 1) / 2 : 0;
    if ((state.halo ?? 0) !== want) fail(`${line}: x is split over "${axis}" along "${state.dim}" with halo ${state.halo ?? 0}, expected ${want}`);
    if (want > 0 && !(op.halo ?? []).includes(state.dim)) fail(`${line}: x carries a halo along "${state.dim}" but the op does not list it in halo`);
  }
}

/**
 * Check that a collective converts its axis between the right states and
 * leaves the other axes alone; for a conv2d, that its halos fit (checkConv).
 */
export function checkCollective(program: Program, op: Op, fail: (message: string) => never): void {
  if (op.op === "conv2d") return checkConv(program, op, fail);
  const states = collectiveStates(op);
  if (!states) return;
  const line = { toString: () => formatOp(program, op) };
  const input = program.values.get(op.inputs[0])?.sharding ?? fail(`${line}: input has no sharding`);
  const output = program.values.get(op.output)?.sharding ?? fail(`${line}: output has no sharding`);
  if (op.inputs.length !== 1) fail(`${line}: a collective has one input`);
  for (const axis of program.mesh) {
    const before = input[axis.name];
    const after = output[axis.name];
    if (axis.name === states.axis) {
      if (!sameState(before, states.from) || !sameState(after, states.to)) {
        fail(`${line}: on "${axis.name}" it needs ${formatSharding({ [axis.name]: states.from })} -> ${formatSharding({ [axis.name]: states.to })}`);
      }
    } else if (!sameState(before, after)) {
      fail(`${line}: it changes the state on "${axis.name}", which is not its axis`);
    }
  }
}
