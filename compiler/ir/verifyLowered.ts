/**
 * The verifier's checks that only apply to lowered programs: full shardings,
 * local dims that agree with them, and collectives that agree with the states
 * they convert between. Each check calls `fail` (which throws) on a problem.
 */
import type { AxisState, Op, Program, Sharding, Value } from "./ir.ts";
import { collectiveKinds } from "./opAttrs.ts";
import { formatDims, formatOp } from "./printer.ts";
import { axesSplitting, collectiveAxes, formatSharding, localDimsOf, paddedDimsOf, sameSharding, sameState, splitState } from "./sharding.ts";

/** Check one value of a lowered program: a state on every mesh axis, split dims it has (once), and local dims. */
export function checkLoweredValue(program: Program, value: Value, fail: (message: string) => never): void {
  // Formatted only when a check fails: the verifier runs after every pass, on every value (no object or closure per value).
  const sharding = value.sharding ?? fail(`${describe(value)} has no sharding`);
  for (const axis in sharding) {
    if (!program.mesh.some((entry) => entry.name === axis)) fail(`${describe(value)} has a state on "${axis}", which is not a mesh axis`);
  }
  let splits = 0;
  for (const axis of program.mesh) {
    const state = sharding[axis.name] ?? fail(`${describe(value)} has no state on mesh axis "${axis.name}"`);
    if (state.kind === "split") splits++;
  }
  const actual = value.localDims;
  // replicated or partial on every axis: the local dims are the global ones
  if (splits === 0 && actual !== undefined && (actual === value.dims || sameDimList(actual, value.dims))) return;
  const what = describe(value);
  for (const axis of program.mesh) {
    const state = sharding[axis.name];
    if (state.kind !== "split") continue;
    value.dims.find((candidate) => candidate.name === state.dim) ?? fail(`${what} is split over "${axis.name}" on "${state.dim}", which it does not have`);
    // the axes of one dim are ranked 0..k-1, major first, with 0 written as no order (normalizeOrders)
    const orders = axesSplitting(state.dim, sharding, program.mesh).map((entry) => sharding[entry.name]).map((entry) => (entry.kind === "split" ? entry.order : undefined));
    if (orders.some((order, rank) => (order ?? 0) !== rank || order === 0)) fail(`${what} ranks the axes that split "${state.dim}" as ${JSON.stringify(orders)} in ${formatSharding(sharding)}; they must be 0 (left out), 1, 2, ...`);
  }
  const expected = localDimsOf(value.dims, sharding, program.mesh);
  if (actual === undefined || !sameDimList(actual, expected)) fail(`${what} ${formatSharding(sharding)} has local dims ${actual ? formatDims(actual) : "none"}, expected ${formatDims(expected)}`);
}

function describe(value: Value): string {
  return `%${value.id}${value.hint ? ` (${value.hint})` : ""} ${formatDims(value.dims)}`;
}

function sameDimList(first: readonly Value["dims"][number][], second: readonly Value["dims"][number][]): boolean {
  if (first.length !== second.length) return false;
  for (let index = 0; index < first.length; index++) if (first[index].name !== second[index].name || first[index].size !== second[index].size) return false;
  return true;
}

/** How many axes other than `axis` split `dim` in `sharding`: the order a split pushed on its minor end gets. */
function othersSplitting(dim: string, axis: string, sharding: Sharding, mesh: Program["mesh"]): number {
  return axesSplitting(dim, sharding, mesh).filter((entry) => entry.name !== axis).length;
}

/**
 * The state a collective needs on its axis, and the state it leaves. A split
 * is taken off (all-gather, all-to-all's concat dim) or put on (local slice,
 * reduce-scatter, all-to-all's split dim) at the minor end of its dim's axes:
 * the order it has or gets is the number of the dim's other axes.
 */
function collectiveStates(op: Op, input: Sharding, mesh: Program["mesh"]): { from: AxisState; to: AxisState; axis: string; axes?: readonly string[] } | undefined {
  const minor = (dim: string, axis: string): AxisState => splitState(dim, othersSplitting(dim, axis, input, mesh));
  switch (op.op) {
    case "allReduce":
      // over several axes at once (alsoOver): the same change on each of them
      return { axis: op.axis, axes: collectiveAxes(op), from: { kind: "partial", reduce: op.reduce }, to: { kind: "replicated" } };
    case "allGather":
      return { axis: op.axis, from: minor(op.dim, op.axis), to: { kind: "replicated" } };
    case "reduceScatter":
      return { axis: op.axis, from: { kind: "partial", reduce: op.reduce }, to: minor(op.dim, op.axis) };
    case "allToAll":
      return { axis: op.axis, from: minor(op.concatDim, op.axis), to: minor(op.splitDim, op.axis) };
    case "localSlice":
      return { axis: op.axis, from: { kind: "replicated" }, to: minor(op.dim, op.axis) };
    case "haloExchange": {
      const order = othersSplitting(op.dim, op.axis, input, mesh);
      return { axis: op.axis, from: splitState(op.dim, order), to: order === 0 ? { kind: "split", dim: op.dim, halo: op.halo } : { kind: "split", dim: op.dim, order, halo: op.halo } };
    }
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
  if (op.op === "maskPadding") return checkMask(program, op, fail);
  if (op.op === "dropout") return checkDropout(program, op, fail);
  if (!collectiveKinds.has(op.op)) return;
  const line = { toString: () => formatOp(program, op) };
  const input = program.values.get(op.inputs[0])?.sharding ?? fail(`${line}: input has no sharding`);
  const states = collectiveStates(op, input, program.mesh);
  if (!states) return;
  const output = program.values.get(op.output)?.sharding ?? fail(`${line}: output has no sharding`);
  if (op.inputs.length !== 1) fail(`${line}: a collective has one input`);
  const axes = states.axes ?? [states.axis];
  if (new Set(axes).size !== axes.length || axes.some((name) => !program.mesh.some((axis) => axis.name === name))) fail(`${line}: its axes ${axes.join(", ")} must be distinct mesh axes`);
  for (const axis of program.mesh) {
    const before = input[axis.name];
    const after = output[axis.name];
    if (axes.includes(axis.name)) {
      if (!sameState(before, states.from) || !sameState(after, states.to)) {
        fail(`${line}: on "${axis.name}" it needs ${formatSharding({ [axis.name]: states.from })} -> ${formatSharding({ [axis.name]: states.to })}`);
      }
    } else if (!sameState(before, after)) {
      fail(`${line}: it changes the state on "${axis.name}", which is not its axis`);
    }
  }
}

/**
 * Check a dropout: x and the result have one sharding, neither partial (each
 * device draws the mask of the block its output sharding says it holds), and
 * the step is whole on every device.
 */
function checkDropout(program: Program, op: Extract<Op, { op: "dropout" }>, fail: (message: string) => never): void {
  const line = { toString: () => formatOp(program, op) };
  const [input, step] = op.inputs.map((id) => program.values.get(id)?.sharding);
  const output = program.values.get(op.output)?.sharding;
  if (!input || !output) fail(`${line}: values have no sharding`);
  if (!sameSharding(input, output)) fail(`${line}: a dropout changes no sharding`);
  if (Object.values(output).some((state) => state.kind === "partial")) fail(`${line}: x is partial; it must be reduced before its mask is drawn`);
  if (step && Object.values(step).some((state) => state.kind !== "replicated")) fail(`${line}: the step must be replicated`);
}

/** Check a maskPadding: same sharding in and out, and every dim it masks is one the input holds padded. */
function checkMask(program: Program, op: Extract<Op, { op: "maskPadding" }>, fail: (message: string) => never): void {
  const line = formatOp(program, op);
  const input = program.values.get(op.inputs[0]);
  const output = program.values.get(op.output);
  if (!input?.sharding || !output?.sharding) fail(`${line}: values have no sharding`);
  if (!sameSharding(input.sharding, output.sharding)) fail(`${line}: a mask changes no sharding`);
  const padded = paddedDimsOf(input.dims, input.sharding, program.mesh).map((entry) => entry.dim);
  for (const dim of op.dims) if (!padded.includes(dim)) fail(`${line}: "${dim}" is not split unevenly, it has no padding to mask`);
}
