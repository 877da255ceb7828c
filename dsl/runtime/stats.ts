/**
 * Communication counters of the simulated mesh. Bytes are float32 bytes: 4 per
 * element. Every device counts its own part of every collective it takes part in.
 */
import type { CollectiveKind } from "./deviceContext.ts";

/** Bytes per element: tensors are float32. */
export const BYTES_PER_ELEMENT = 4;

/** What one device (or a sum over devices) spent on one kind of collective. */
export interface CommCount {
  /** Collective calls made (one per device per call). */
  calls: number;
  /** Bytes of the input buffers handed to the collectives (4 x input elements). */
  payloadBytes: number;
  /** Bytes sent on the wire under the ring model (see `ringWireBytes`). */
  wireBytes: number;
}

/** One row of `CommStats.entries()`: a kind and axis with its counts summed over devices. */
export interface CommEntry extends CommCount {
  readonly kind: CollectiveKind;
  readonly axis: string;
}

/**
 * The bytes one device sends under the ring model (bandwidth term only), for
 * a group of `groupSize` devices, given that device's input and output bytes:
 *
 * - allReduce: 2(n-1)/n x input (reduce-scatter then all-gather around the ring)
 * - allGather: (n-1) x input (= (n-1)/n x output when the split is even; an
 *   uneven one moves the padded shards and drops the padding after)
 * - reduceScatter: (n-1)/n x input
 * - allToAll: (n-1)/n x input (every chunk but one's own leaves the device)
 *
 * For reduceScatter and allToAll over an uneven split, `inputBytes` is the
 * input padded to n equal chunks (`paddedInputBytes` in collectives.ts).
 * - collectivePermute: the input if the device has a receiver (its coordinate
 *   plus the shift is on the axis, and the shift is not 0), else 0
 * - send (point-to-point, pipeline stages): the tensor sent, counted on the sender
 * - localSlice: 0 (no communication)
 *
 * The all-reduce figure may be fractional (when n does not divide the bytes).
 */
export function ringWireBytes(
  kind: CollectiveKind,
  groupSize: number,
  inputBytes: number,
  outputBytes: number,
  sends = true,
): number {
  const share = (groupSize - 1) / groupSize;
  switch (kind) {
    case "allReduce":
      return 2 * share * inputBytes;
    case "allGather":
      return (groupSize - 1) * inputBytes;
    case "reduceScatter":
    case "allToAll":
      return share * inputBytes;
    case "collectivePermute":
      return sends ? inputBytes : 0;
    case "send":
      return inputBytes;
    case "localSlice":
      return 0;
  }
}

function emptyCount(): CommCount {
  return { calls: 0, payloadBytes: 0, wireBytes: 0 };
}

function addInto(total: CommCount, part: CommCount): void {
  total.calls += part.calls;
  total.payloadBytes += part.payloadBytes;
  total.wireBytes += part.wireBytes;
}

/**
 * Counters per collective kind, mesh axis and device. A `localSlice` counts a
 * call with 0 payload and 0 wire bytes (it moves nothing).
 *
 * @example
 * const sim = new SimulatedMesh(M);
 * await sim.run(program, args);
 * sim.stats.get("allReduce", "model").wireBytes; // summed over all devices
 * sim.stats.perDevice("allReduce")[3];           // device 3, every axis
 * sim.stats.reset();
 */
export class CommStats {
  /** Number of devices of the mesh (length of `perDevice`). */
  readonly deviceCount: number;
  private readonly counts = new Map<string, { kind: CollectiveKind; axis: string; devices: CommCount[] }>();

  constructor(deviceCount: number) {
    this.deviceCount = deviceCount;
  }

  /** Add one device's part of one call. */
  record(device: number, kind: CollectiveKind, axis: string, payloadBytes: number, wireBytes: number): void {
    const key = `${kind}@${axis}`;
    let row = this.counts.get(key);
    if (row === undefined) {
      row = { kind, axis, devices: Array.from({ length: this.deviceCount }, emptyCount) };
      this.counts.set(key, row);
    }
    addInto(row.devices[device], { calls: 1, payloadBytes, wireBytes });
  }

  /** The counts summed over every device, for one kind and/or axis (every kind or axis when left out). */
  get(kind?: CollectiveKind, axis?: string): CommCount {
    const total = emptyCount();
    for (const count of this.perDevice(kind, axis)) addInto(total, count);
    return total;
  }

  /** The counts of each device (index = device id), for one kind and/or axis (every one when left out). */
  perDevice(kind?: CollectiveKind, axis?: string): CommCount[] {
    const result = Array.from({ length: this.deviceCount }, emptyCount);
    for (const row of this.counts.values()) {
      if ((kind !== undefined && row.kind !== kind) || (axis !== undefined && row.axis !== axis)) continue;
      row.devices.forEach((count, device) => addInto(result[device], count));
    }
    return result;
  }

  /** Every kind and axis seen since the last reset, with counts summed over devices. */
  entries(): CommEntry[] {
    return [...this.counts.values()].map((row) => {
      const total = emptyCount();
      for (const count of row.devices) addInto(total, count);
      return { kind: row.kind, axis: row.axis, ...total };
    });
  }

  /** Forget every count. */
  reset(): void {
    this.counts.clear();
  }
}
