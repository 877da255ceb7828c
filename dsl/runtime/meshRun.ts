/**
 * The scheduler of one `SimulatedMesh.run`: a rendezvous per collective per
 * group, with the checks that turn a mismatched or missing collective into an
 * error instead of a hang.
 *
 * Devices run as concurrent async functions in one process. A device is
 * "running" from its start until it waits in a collective, "waiting" until its
 * group is complete, and running again once it is released. Collectives are
 * matched by step: the n-th collective a device makes over an axis meets the
 * n-th collective of every other device of its group over that axis.
 *
 * Deadlock is declared when no device runs and some wait. A device that awaits
 * something other than a collective (a timer, I/O) counts as running, so it
 * can delay that verdict but never cause a false one. Generated programs
 * await each collective at once; a program that leaves one un-awaited and
 * issues another is treated as waiting in the later one.
 */
import { MeshtypeError } from "../errors.ts";
import type { Mesh } from "../mesh.ts";
import type { Tensor } from "../tensor.ts";
import { callSignature, checkCall, describeCall, exchange, paddedInputBytes, type CollectiveCall } from "./collectives.ts";
import { BYTES_PER_ELEMENT, ringWireBytes, type CommStats } from "./stats.ts";

interface Arrival {
  readonly device: number;
  readonly call: CollectiveCall;
  readonly input: Tensor<string>;
  readonly resolve: (output: Tensor<string>) => void;
  readonly reject: (error: Error) => void;
}

interface Rendezvous {
  readonly key: string;
  readonly axis: string;
  readonly step: number;
  readonly group: readonly number[];
  readonly arrivals: Map<number, Arrival>;
}

type DeviceStatus =
  | { readonly state: "running" }
  | { readonly state: "waiting"; readonly rendezvous: Rendezvous }
  | { readonly state: "done" }
  | { readonly state: "failed" };

/** One run of a program over every device of a mesh (internal to `SimulatedMesh`). */
export class MeshRun {
  /** The first error of the run: a device's, a mismatch or a deadlock. Set once. */
  failure: Error | undefined;
  private readonly status: DeviceStatus[];
  private readonly steps: Map<string, number>[];
  private readonly pending = new Map<string, Rendezvous>();
  /** When a device last joined a collective, finished or failed, or a collective completed (ms, Date.now()). */
  private lastProgress = Date.now();
  /** Each device's last collective, as messages name it. */
  private readonly lastCalls: (string | undefined)[];

  constructor(
    readonly mesh: Mesh,
    private readonly stats: CommStats,
  ) {
    this.status = Array.from({ length: mesh.deviceCount }, () => ({ state: "running" }) as const);
    this.steps = Array.from({ length: mesh.deviceCount }, () => new Map<string, number>());
    this.lastCalls = new Array<string | undefined>(mesh.deviceCount).fill(undefined);
  }

  /**
   * The run is stalled when no device has made progress (joined a
   * collective, finished or failed, nor has a collective completed) for
   * `boundMs` while some device is still running: that device awaits something
   * that is not a collective and does not settle. Fails the run with a
   * "device-stalled" error naming the running devices and their last call,
   * and returns it; undefined while the run is fine.
   */
  stalled(boundMs: number): MeshtypeError | undefined {
    if (this.failure !== undefined || Date.now() - this.lastProgress < boundMs) return undefined;
    const running = this.status.flatMap((status, device) => (status.state === "running" ? [device] : []));
    if (running.length === 0) return undefined;
    const lines = running.map((device) => {
      const last = this.lastCalls[device];
      return `  - ${this.describeDevice(device)}: ${last === undefined ? "it has made no collective yet" : `its last collective was ${last}`}`;
    });
    const waiting = this.status.flatMap((status, device) => (status.state === "waiting" ? [this.describeDevice(device)] : []));
    const error = new MeshtypeError(
      "device-stalled",
      `Stalled: ${running.length === 1 ? "a device has" : `${running.length} devices have`} neither finished nor made a collective for ${boundMs} ms:\n${lines.join("\n")}\n` +
        (waiting.length > 0 ? `Waiting for ${running.length === 1 ? "it" : "them"} in collectives: ${waiting.join(", ")}.\n` : "") +
        `A device program should await only the collectives of its context: look for an await on a promise, timer or I/O that never settles. ` +
        `For a program that is just slow, raise the bound: new SimulatedMesh(mesh, { stallTimeoutMs }).`,
    );
    this.fail(error, error);
    return error;
  }

  /** `device 3 (data=1, model=1)`: how messages name a device. */
  describeDevice(device: number): string {
    const coords = this.mesh.coords(device);
    const parts = this.mesh.axes.map((axis) => `${axis.name}=${coords[axis.name]}`);
    return `device ${device} (${parts.join(", ")})`;
  }

  /** `device` joins its group for `call`; resolves to its output once every member has come. */
  join(device: number, call: CollectiveCall, input: Tensor<string>): Promise<Tensor<string>> {
    const group = this.mesh.group(device, call.axis);
    checkCall(call, input, group.length);
    if (this.failure !== undefined) return Promise.reject(this.abortError(device, call, input));
    const step = (this.steps[device].get(call.axis) ?? 0) + 1;
    this.steps[device].set(call.axis, step);
    this.lastProgress = Date.now();
    this.lastCalls[device] = `${describeCall(call, input)} (collective #${step} over "${call.axis}")`;
    const key = `${call.axis}#${group[0]}#${step}`;
    let rendezvous = this.pending.get(key);
    if (rendezvous === undefined) {
      rendezvous = { key, axis: call.axis, step, group, arrivals: new Map() };
      this.pending.set(key, rendezvous);
    }
    const first = rendezvous.arrivals.values().next().value;
    if (first !== undefined && callSignature(first.call, first.input) !== callSignature(call, input)) {
      const error = this.mismatchError(rendezvous, first, device, call, input);
      this.fail(error, error);
      return Promise.reject(error);
    }
    const output = new Promise<Tensor<string>>((resolve, reject) => {
      rendezvous.arrivals.set(device, { device, call, input, resolve, reject });
    });
    this.status[device] = { state: "waiting", rendezvous };
    if (rendezvous.arrivals.size === group.length) this.complete(rendezvous);
    else this.checkDeadlock();
    return output;
  }

  /** `device`'s program returned. */
  finished(device: number): void {
    this.lastProgress = Date.now();
    this.status[device] = { state: "done" };
    this.checkDeadlock();
  }

  /** `device`'s program threw `error`: the run fails with it (prefixed with the device) unless it already failed. */
  failed(device: number, error: unknown): void {
    this.lastProgress = Date.now();
    this.status[device] = { state: "failed" };
    if (this.failure !== undefined) return;
    const prefix = `${this.describeDevice(device)}: `;
    let reported: Error;
    if (error instanceof Error && Object.isExtensible(error)) {
      error.message = prefix + error.message;
      reported = error;
    } else if (error instanceof Error) {
      reported = new MeshtypeError("device-threw", `${prefix}${error.message}`);
    } else {
      reported = new MeshtypeError("device-threw", `${prefix}the device program threw ${String(error)}.`);
    }
    this.fail(reported, undefined);
  }

  private complete(rendezvous: Rendezvous): void {
    this.lastProgress = Date.now();
    this.pending.delete(rendezvous.key);
    const arrivals = rendezvous.group.map((device) => rendezvous.arrivals.get(device) as Arrival);
    const call = arrivals[0].call;
    let outputs: Tensor<string>[];
    try {
      outputs = exchange(call, arrivals.map((arrival) => arrival.input));
    } catch (error) {
      // The group's data cannot be combined: every member gets the error (none is left waiting), and the run fails with it.
      const reported = error instanceof Error ? error : new MeshtypeError("collective-failed", String(error));
      for (const arrival of arrivals) this.release(arrival.device);
      this.fail(reported, reported);
      for (const arrival of arrivals) arrival.reject(reported);
      return;
    }
    const size = rendezvous.group.length;
    arrivals.forEach((arrival, coord) => {
      const inputBytes = arrival.input.data.length * BYTES_PER_ELEMENT;
      const outputBytes = outputs[coord].data.length * BYTES_PER_ELEMENT;
      const paddedBytes = paddedInputBytes(call, arrival.input.dims, size, BYTES_PER_ELEMENT);
      const target = call.kind === "collectivePermute" ? coord + call.shift : coord;
      const sends = call.kind === "collectivePermute" && call.shift !== 0 && target >= 0 && target < size;
      this.stats.record(arrival.device, call.kind, call.axis, inputBytes, ringWireBytes(call.kind, size, paddedBytes, outputBytes, sends));
      this.release(arrival.device);
    });
    arrivals.forEach((arrival, coord) => arrival.resolve(outputs[coord]));
  }

  /**
   * A collective of `device` completed: it runs again, unless its program has
   * already returned or thrown (it did not await that collective).
   */
  private release(device: number): void {
    if (this.status[device].state === "waiting") this.status[device] = { state: "running" };
  }

  /** Record the run's failure and release every waiting device (with `forWaiters`, or an abort error). */
  private fail(error: Error, forWaiters: Error | undefined): void {
    this.failure = error;
    for (const rendezvous of this.pending.values()) {
      for (const arrival of rendezvous.arrivals.values()) {
        this.release(arrival.device);
        arrival.reject(forWaiters ?? this.abortError(arrival.device, arrival.call, arrival.input));
      }
    }
    this.pending.clear();
  }

  private abortError(device: number, call: CollectiveCall, input: Tensor<string>): MeshtypeError {
    return new MeshtypeError(
      "mesh-aborted",
      `${this.describeDevice(device)}: ${describeCall(call, input)} was abandoned because the run already failed: ${this.failure?.message}`,
    );
  }

  private mismatchError(rendezvous: Rendezvous, first: Arrival, device: number, call: CollectiveCall, input: Tensor<string>): MeshtypeError {
    return new MeshtypeError(
      "collective-mismatch",
      `Collective mismatch in the group over mesh axis "${rendezvous.axis}" (devices ${rendezvous.group.join(", ")}), ` +
        `collective #${rendezvous.step} over "${rendezvous.axis}": ` +
        `${this.describeDevice(first.device)} called ${describeCall(first.call, first.input)}, but ` +
        `${this.describeDevice(device)} called ${describeCall(call, input)}. ` +
        `Every device of a group must make the same collectives over an axis, in the same order, with the same local shapes: ` +
        `look for a collective under a condition that depends on the device, or shards of unequal size.`,
    );
  }

  /** When no device runs and some wait, no group can ever complete: fail with who waits in what and who never came. */
  private checkDeadlock(): void {
    if (this.failure !== undefined || this.pending.size === 0) return;
    if (this.status.some((status) => status.state === "running")) return;
    const lines: string[] = [];
    for (const rendezvous of this.pending.values()) {
      const waiting = [...rendezvous.arrivals.values()].map(
        (arrival) => `${this.describeDevice(arrival.device)} waits in ${describeCall(arrival.call, arrival.input)} (collective #${rendezvous.step} over "${rendezvous.axis}")`,
      );
      const absent = rendezvous.group
        .filter((device) => !rendezvous.arrivals.has(device))
        .map((device) => `${this.describeDevice(device)} never came: ${this.whereIs(device, rendezvous.axis)}`);
      lines.push(`  - ${[...waiting, ...absent].join("; ")}`);
    }
    const error = new MeshtypeError(
      "collective-deadlock",
      `Deadlock: every unfinished device waits in a collective that cannot complete.\n${lines.join("\n")}\n` +
        `Every device of a group must make the same collectives over each axis: look for a collective that some devices skip ` +
        `(an early return, or a condition on the device).`,
    );
    this.fail(error, error);
  }

  private whereIs(device: number, axis: string): string {
    const status = this.status[device];
    const made = this.steps[device].get(axis) ?? 0;
    switch (status.state) {
      case "done":
        return `its program finished after ${made} collective(s) over "${axis}"`;
      case "failed":
        return "its program failed";
      case "running":
        return "it is still running";
      case "waiting": {
        const [arrival] = [...status.rendezvous.arrivals.values()].filter((entry) => entry.device === device);
        return `it waits in ${describeCall(arrival.call, arrival.input)} (collective #${status.rendezvous.step} over "${status.rendezvous.axis}")`;
      }
    }
  }
}
