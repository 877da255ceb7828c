/**
 * Small facts about shardings that the verifier, the passes and the back end
 * share: equality, the layout's target state of a value, the major-to-minor
 * order of the axes that split a dim, local dims and where they are padded.
 */
import type { Dim } from "../../dsl/tensor.ts";
import type { MeshAxis } from "../../dsl/mesh.ts";
import type { LayoutRule } from "../../dsl/parseLayout.ts";
import { blockOf, splitAxesOf } from "../../dsl/runtime/padding.ts";
import type { AxisState, Op, Sharding } from "./ir.ts";
import { describeAxisState as formatAxisState } from "../../dsl/runtime/sharding.ts";

/** The replicated state. */
export const replicatedState: AxisState = Object.freeze({ kind: "replicated" });

/** True when two axis states are the same state. */
export function sameState(first: AxisState, second: AxisState): boolean {
  if (first === second) return true;
  switch (first.kind) {
    case "replicated":
      return second.kind === "replicated";
    case "partial":
      return second.kind === "partial" && first.reduce === second.reduce;
    case "split":
      // an order or halo of 0 is the same as none (as the state is written)
      return second.kind === "split" && first.dim === second.dim && (first.order || 0) === (second.order || 0) && (first.halo || 0) === (second.halo || 0);
  }
}

/** True when two shardings have the same state on every axis. Called for every value by every pass: no allocation. */
export function sameSharding(first: Sharding | undefined, second: Sharding | undefined): boolean {
  if (first === second) return true;
  if (!first || !second) return false;
  let axes = 0;
  for (const axis in first) {
    const mine = first[axis];
    const theirs = second[axis];
    if (mine === undefined || theirs === undefined || !sameState(mine, theirs)) return false;
    axes++;
  }
  return Object.keys(second).length === axes;
}

/** `{data: split(batch), model: replicated}`. */
export function formatSharding(sharding: Sharding): string {
  return `{${Object.entries(sharding).map(([axis, state]) => `${axis}: ${formatAxisState(state)}`).join(", ")}}`;
}

/**
 * What the layout asks for a value with `dims`: on each axis, split over the
 * value's dim that a rule puts there, else replicated; a dim with several
 * rules (`batch:(data, fsdp)`, one entry per axis, major first) is split over
 * each of their axes, ranked in that order. Assumes the layout was validated
 * for these dims (at most one of them per axis).
 */
export function targetSharding(dims: readonly Dim[], mesh: readonly MeshAxis[], rules: readonly LayoutRule[]): Sharding {
  const sharding: Record<string, AxisState> = {};
  const onMesh = rules.filter((rule) => mesh.some((axis) => axis.name === rule.axis) && dims.some((dim) => dim.name === rule.dim));
  for (const axis of mesh) {
    const rule = onMesh.find((candidate) => candidate.axis === axis.name);
    if (!rule) {
      sharding[axis.name] = replicatedState;
      continue;
    }
    const order = onMesh.filter((candidate) => candidate.dim === rule.dim).indexOf(rule);
    sharding[axis.name] = splitState(rule.dim, order);
  }
  return sharding;
}

/** The state "split along `dim`" as the axis of rank `order` among those that split it (0, the major one, is written without it). */
export function splitState(dim: string, order = 0): AxisState {
  return order === 0 ? { kind: "split", dim } : { kind: "split", dim, order };
}

/** The axes a dim is split over in `sharding`, major first (by `order`, then in mesh order). */
export function axesSplitting(dim: string, sharding: Sharding, mesh: readonly MeshAxis[]): MeshAxis[] {
  return splitAxesOf(dim, sharding, mesh);
}

/**
 * `sharding` with the orders of every split dim made canonical: the axes of
 * each dim ranked 0..k-1, in their present order (ties in mesh order), 0
 * written as no order, and its axes in mesh order. Halos are kept.
 */
export function normalizeOrders(sharding: Sharding, mesh: readonly MeshAxis[]): Sharding {
  const result: Record<string, AxisState> = { ...sharding };
  const dims = new Set<string>();
  for (const state of Object.values(sharding)) if (state.kind === "split") dims.add(state.dim);
  for (const dim of dims) {
    axesSplitting(dim, sharding, mesh).forEach((axis, order) => {
      const state = sharding[axis.name];
      if (state.kind !== "split") return;
      const { order: _old, ...rest } = state;
      result[axis.name] = order === 0 ? rest : { ...rest, order };
    });
  }
  // the mesh's axes in mesh order (as every sharding prints), then anything else as it was
  const ordered: Record<string, AxisState> = {};
  for (const axis of mesh) if (result[axis.name] !== undefined) ordered[axis.name] = result[axis.name];
  for (const [axis, state] of Object.entries(result)) if (ordered[axis] === undefined) ordered[axis] = state;
  return ordered;
}

/**
 * `sharding` with every split dim's axes ranked as in the first of
 * `preferred` that splits that dim over all of them (else as they are, then
 * mesh order), canonical (see `normalizeOrders`). The planners use it so a
 * result keeps its operands' (or its target's) major-to-minor order.
 */
export function orderLike(sharding: Sharding, mesh: readonly MeshAxis[], preferred: readonly Sharding[]): Sharding {
  const result: Record<string, AxisState> = { ...sharding };
  const dims = new Set<string>();
  for (const state of Object.values(sharding)) if (state.kind === "split") dims.add(state.dim);
  for (const dim of dims) {
    const axes = axesSplitting(dim, sharding, mesh).map((axis) => axis.name);
    if (axes.length < 2) continue;
    for (const other of preferred) {
      const ranked = axesSplitting(dim, other, mesh).map((axis) => axis.name).filter((name) => axes.includes(name));
      if (ranked.length !== axes.length) continue;
      ranked.forEach((name, order) => {
        const state = sharding[name];
        if (state.kind === "split") result[name] = { ...state, order };
      });
      break;
    }
  }
  return normalizeOrders(result, mesh);
}

/** The number of devices `dim` is split over in `sharding` (1 when it is not split). */
export function splitDevices(dim: string, sharding: Sharding, mesh: readonly MeshAxis[]): number {
  return axesSplitting(dim, sharding, mesh).reduce((product, axis) => product * axis.size, 1);
}

/**
 * The dims one device holds: every split dim of size N over n devices has
 * ceil(N / n) entries (padded when n does not divide N), plus twice its halo
 * (one on each side) when it has one.
 */
export function localDimsOf(dims: readonly Dim[], sharding: Sharding, mesh: readonly MeshAxis[]): Dim[] {
  return dims.map((dim) => {
    const axes = axesSplitting(dim.name, sharding, mesh);
    const parts = axes.reduce((product, axis) => product * axis.size, 1);
    const halo = axes.reduce((total, axis) => {
      const state = sharding[axis.name];
      return total + (state.kind === "split" ? 2 * (state.halo ?? 0) : 0);
    }, 0);
    return parts === 1 && halo === 0 ? dim : { name: dim.name, size: Math.ceil(dim.size / parts) + halo };
  });
}

/** A dim of a value that some devices hold only in part: its global size, its axes (major first) and local size. */
export interface PaddedDim {
  readonly dim: string;
  readonly size: number;
  readonly axes: readonly MeshAxis[];
  readonly local: number;
}

/**
 * The dims of a value with `dims` under `sharding` that are split unevenly:
 * every device holds `local` = ceil(size / devices) entries, and the last
 * blocks are short (their tail is padding). The cost model and explain count
 * the padded local dims (`localDimsOf`); this says where padding is.
 */
export function paddedDimsOf(dims: readonly Dim[], sharding: Sharding, mesh: readonly MeshAxis[]): PaddedDim[] {
  return dims.flatMap((dim) => {
    const axes = axesSplitting(dim.name, sharding, mesh);
    const parts = axes.reduce((product, axis) => product * axis.size, 1);
    return dim.size % parts === 0 ? [] : [{ dim: dim.name, size: dim.size, axes, local: Math.ceil(dim.size / parts) }];
  });
}

/**
 * Which devices hold short blocks of a padded dim, as text for generated code
 * and explain: `vocab: 6283 per device, 6276 on model=7`, with every short
 * block listed by its coordinates (at most four, then a count).
 */
export function describePadding(padded: PaddedDim): string {
  const coords = padded.axes.reduce<Record<string, number>[]>((list, axis) => list.flatMap((entry) => Array.from({ length: axis.size }, (_, index) => ({ ...entry, [axis.name]: index }))), [{}]);
  const short = coords.flatMap((at) => {
    const { valid } = blockOf(padded.size, padded.axes, at);
    return valid < padded.local ? [`${valid} on ${padded.axes.map((axis) => `${axis.name}=${at[axis.name]}`).join(" ")}`] : [];
  });
  const listed = short.length > 4 ? [...short.slice(0, 4), `${short.length - 4} more short`] : short;
  return `${padded.dim}: ${padded.local} per device, ${listed.join(", ")}`;
}

/** One dim a `maskPadding` masks: its global size and the names of the axes that split it, major first (what `validLength` takes). */
export interface MaskedDim {
  readonly dim: string;
  readonly size: number;
  readonly axes: readonly string[];
}

/**
 * The dims of a lowered `maskPadding`'s value (`value`: its input or output,
 * same dims and sharding) that it masks, with what a device needs to find
 * its real length of each (`validLength(ctx, size, axes)`).
 */
export function maskedDims(dims: readonly string[], value: { readonly dims: readonly Dim[]; readonly sharding?: Sharding }): MaskedDim[] {
  const sharding = value.sharding ?? {};
  return dims.map((name) => {
    const size = value.dims.find((dim) => dim.name === name)?.size ?? 0;
    const axes = Object.entries(sharding)
      .map(([axis, state], index) => ({ axis, state, index }))
      .filter((entry) => entry.state.kind === "split" && entry.state.dim === name)
      .sort((first, second) => orderOf(first.state) - orderOf(second.state) || first.index - second.index)
      .map((entry) => entry.axis);
    return { dim: name, size, axes };
  });
}

/** The split dims of a lowered value, each with its global size and the axes that split it (major first): the block a device holds. */
export function splitDimsOf(value: { readonly dims: readonly Dim[]; readonly sharding?: Sharding }): MaskedDim[] {
  return maskedDims(value.dims.map((dim) => dim.name), value).filter((entry) => entry.axes.length > 0);
}

function orderOf(state: AxisState): number {
  return state.kind === "split" ? (state.order ?? 0) : 0;
}

/** How a lowered collective treats an uneven split: pad the dim it cuts, keep `size` entries of the dim it joins (see dsl/runtime/collectives.ts). */
export interface CollectiveUneven {
  readonly pad?: true;
  readonly size?: number;
}

/**
 * The uneven options of a lowered collective, read off its input's and
 * output's local dims: `pad` when the dim it cuts into one chunk per device
 * (reduce-scatter, local slice, all-to-all's split dim) has a local size the
 * group does not divide; `size` when the dim it joins (all-gather,
 * all-to-all's concat dim) keeps fewer entries than the group's shards hold.
 * Empty for an even split: the generated call is then the plain one.
 */
export function collectiveUneven(
  op: Op,
  input: { readonly localDims?: readonly Dim[] },
  output: { readonly localDims?: readonly Dim[] },
  mesh: readonly MeshAxis[],
): CollectiveUneven {
  if (!("axis" in op) || op.op === "allReduce" || op.op === "haloExchange") return {};
  const parts = mesh.find((axis) => axis.name === op.axis)?.size ?? 1;
  const sizeIn = (dim: string): number => input.localDims?.find((entry) => entry.name === dim)?.size ?? 0;
  const sizeOut = (dim: string): number => output.localDims?.find((entry) => entry.name === dim)?.size ?? 0;
  const cut = op.op === "allToAll" ? op.splitDim : op.op === "allGather" ? undefined : op.dim;
  const joined = op.op === "allToAll" ? op.concatDim : op.op === "allGather" ? op.dim : undefined;
  const pad = cut !== undefined && sizeIn(cut) % parts !== 0;
  const size = joined !== undefined && sizeOut(joined) !== parts * sizeIn(joined) ? sizeOut(joined) : undefined;
  return { ...(pad ? { pad: true } : {}), ...(size === undefined ? {} : { size }) };
}

/** ` (padded: vocab: 6283 per device, 6276 on model=7)` for a value split unevenly, else nothing: the note generated code puts after a local shape. */
export function paddingNote(program: { readonly mesh: readonly MeshAxis[] }, value: { readonly dims: readonly Dim[]; readonly sharding?: Sharding } | undefined): string {
  if (value?.sharding === undefined) return "";
  const padded = paddedDimsOf(value.dims, value.sharding, program.mesh);
  return padded.length === 0 ? "" : ` (padded: ${padded.map(describePadding).join("; ")})`;
}

/**
 * The dims of what a lowered collective sends, per device, given its input's
 * local dims: over an uneven split, a reduce-scatter or an all-to-all cuts
 * its dim into `groupSize` chunks of ceil(size / groupSize), so it sends its
 * input padded to a multiple of the group size along that dim; every other
 * collective (an all-gather sends its padded shard as it is) sends its input.
 * The cost model and the simulator take a collective's payload from these
 * dims (localDimsOf already gives the padded local dims of every value).
 *
 * @example
 * // reduce-scatter over 4 devices of a [batch=5 d=2] input: 4 chunks of 2 rows, sent as [batch=8 d=2]
 */
export function collectiveSendDims(op: Op, inputLocalDims: readonly Dim[], groupSize: number): Dim[] {
  const cut = op.op === "reduceScatter" ? op.dim : op.op === "allToAll" ? op.splitDim : undefined;
  return inputLocalDims.map((dim) => (dim.name === cut && dim.size % groupSize !== 0 ? { name: dim.name, size: Math.ceil(dim.size / groupSize) * groupSize } : dim));
}

/**
 * The mesh axes a lowered collective runs over: its `axis`, then an
 * all-reduce's `alsoOver` (one call over several axes). Every other
 * collective runs over its one axis.
 */
export function collectiveAxes(op: Op): readonly string[] {
  if (!("axis" in op)) return [];
  return op.op === "allReduce" && op.alsoOver !== undefined ? [op.axis, ...op.alsoOver] : [op.axis];
}

/** How the group of a collective over `axes` is named: `model`, or `(data, fsdp)` for one over several axes (as layouts write them). */
export function groupName(axes: readonly string[]): string {
  return axes.length === 1 ? axes[0] : `(${axes.join(", ")})`;
}

/** Devices in the group of a lowered collective: the product of the sizes of its axes (`collectiveAxes`). */
export function collectiveGroupSize(op: Op, mesh: readonly MeshAxis[]): number {
  return collectiveAxes(op).reduce((product, name) => product * (mesh.find((axis) => axis.name === name)?.size ?? 1), 1);
}
