/**
 * How many bytes a collective moves, defined as the simulated mesh counts them
 * (dsl/runtime/stats.ts): float32 (4 bytes per element), per device.
 * `bytes` is the payload: the local input the device hands to the collective;
 * `wireBytes` is what it sends under the ring model (`ringWireBytes`). Over
 * an uneven split, local dims are the padded ones (ceil(size / devices)), so
 * both count padded shards, as the simulated mesh does.
 *
 * A `haloExchange` is two `collectivePermute`s of `halo` rows (the first rows
 * back, the last rows forward): its payload is 2 x halo x the other local dims
 * x 4 on every device; on the wire the devices at the two ends of the axis
 * send one halo and the others two, so its `wireBytes` is the mean over the
 * group, 2 (n-1)/n x halo x the other local dims x 4 (the simulated mesh's
 * total over the devices, divided by their number).
 */
import { paddedInputBytes } from "../../dsl/runtime/collectives.ts";
import { BYTES_PER_ELEMENT, ringWireBytes } from "../../dsl/runtime/stats.ts";
import type { Dim } from "../../dsl/tensor.ts";
import type { Op, Program } from "../ir/ir.ts";
import { collectiveKinds } from "../ir/opAttrs.ts";

/** One device's cost of one collective op. */
export interface CollectiveCost {
  readonly kind: "allReduce" | "allGather" | "reduceScatter" | "allToAll" | "localSlice" | "collectivePermute";
  readonly axis: string;
  /** Devices in the group (the axis size). */
  readonly groupSize: number;
  /** Payload: 4 x the local input elements (0 for a local slice, which moves nothing). */
  readonly bytes: number;
  /** Bytes sent on the wire under the ring model. */
  readonly wireBytes: number;
}

function elements(dims: readonly Dim[]): number {
  return dims.reduce((product, dim) => product * dim.size, 1);
}

/** The per-device cost of `op` in a lowered program, or undefined when it is not a collective. */
export function collectiveCost(program: Program, op: Op): CollectiveCost | undefined {
  if (!collectiveKinds.has(op.op) || !("axis" in op)) return undefined;
  const input = program.values.get(op.inputs[0]);
  const output = program.values.get(op.output);
  if (!input?.localDims || !output?.localDims) throw new Error(`collectiveCost: %${op.output} is not lowered`);
  const groupSize = program.mesh.find((axis) => axis.name === op.axis)?.size ?? 1;
  if (op.op === "haloExchange") {
    const rows = input.localDims.find((dim) => dim.name === op.dim)?.size ?? 1;
    const haloBytes = (BYTES_PER_ELEMENT * elements(input.localDims) / rows) * op.halo;
    return { kind: "collectivePermute", axis: op.axis, groupSize, bytes: 2 * haloBytes, wireBytes: (2 * (groupSize - 1) * haloBytes) / groupSize };
  }
  const kind = op.op as CollectiveCost["kind"];
  const inputBytes = BYTES_PER_ELEMENT * elements(input.localDims);
  const outputBytes = BYTES_PER_ELEMENT * elements(output.localDims);
  const bytes = kind === "localSlice" ? 0 : inputBytes;
  // a reduce-scatter or all-to-all over an uneven split sends its input padded to equal chunks
  const call = op.op === "reduceScatter" ? { kind: op.op, axis: op.axis, dim: op.dim, reduce: op.reduce } : op.op === "allToAll" ? { kind: op.op, axis: op.axis, splitDim: op.splitDim, concatDim: op.concatDim } : undefined;
  const wireInput = call === undefined ? inputBytes : paddedInputBytes(call, input.localDims, groupSize, BYTES_PER_ELEMENT);
  return { kind, axis: op.axis, groupSize, bytes, wireBytes: ringWireBytes(kind, groupSize, wireInput, outputBytes) };
}
