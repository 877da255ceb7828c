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
import type { Dim, Tensor } from "../tensor.ts";
import { callAxes, callGroupName, callSignature, checkCall, describeCall, exchange, paddedInputBytes, type CollectiveCall } from "./collectives.ts";
import { BYTES_PER_ELEMENT, ringWireBytes, type CommStats } from "./stats.ts";

/** `[batch=2 seq=8]`. */
function formatDims(dims: readonly Dim[]): string {
  return `[${dims.map((dim) => `${dim.name}=${dim.size}`).join(" ")}]`;
}

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

/** A device waiting in `recv` for a message that has not come. */
interface Receiver {
  readonly device: number;
  readonly from: number;
  readonly tag: string;
  readonly dims: readonly Dim[];
  readonly resolve: (output: Tensor<string>) => void;
  readonly reject: (error: Error) => void;
}

/** A message sent and not yet received. */
interface Message {
  readonly device: number;
  readonly tensor: Tensor<string>;
}

type DeviceStatus =
  | { readonly state: "running" }
  | { readonly state: "receiving"; readonly receiver: Receiver }
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
  /** Point-to-point messages sent and not yet received, by `from>to#tag`. */
  private readonly mailbox = new Map<string, Message>();
  /** Devices waiting in `recv`, by `from>to#tag`. */
  private readonly receivers = new Map<string, Receiver>();

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
    // an all-reduce over several axes meets its group over all of them, counted apart from calls over one axis
    const over = callGroupName(call);
    const axes = callAxes(call);
    const group = axes.length === 1 ? this.mesh.group(device, call.axis) : this.mesh.groupOver(device, axes);
    checkCall(call, input, group.length);
    if (this.failure !== undefined) return Promise.reject(this.abortError(device, call, input));
    const step = (this.steps[device].get(over) ?? 0) + 1;
    this.steps[device].set(over, step);
    this.lastProgress = Date.now();
    this.lastCalls[device] = `${describeCall(call, input)} (collective #${step} over "${over}")`;
    const key = `${over}#${group[0]}#${step}`;
    let rendezvous = this.pending.get(key);
    if (rendezvous === undefined) {
      rendezvous = { key, axis: over, step, group, arrivals: new Map() };
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
      this.stats.record(arrival.device, call.kind, callGroupName(call), inputBytes, ringWireBytes(call.kind, size, paddedBytes, outputBytes, sends));
      this.release(arrival.device);
    });
    arrivals.forEach((arrival, coord) => arrival.resolve(outputs[coord]));
  }

  /**
   * A collective of `device` completed: it runs again, unless its program has
   * already returned or thrown (it did not await that collective).
   */
  private release(device: number): void {
    const state = this.status[device].state;
    if (state === "waiting" || state === "receiving") this.status[device] = { state: "running" };
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
    for (const receiver of this.receivers.values()) {
      this.release(receiver.device);
      receiver.reject(forWaiters ?? new MeshtypeError("mesh-aborted", `${this.describeDevice(receiver.device)}: the receive of "${receiver.tag}" was abandoned because the run already failed: ${this.failure.message}`));
    }
    this.receivers.clear();
  }

  /**
   * Point-to-point: `device` sends `tensor` to `to` under `tag`. Buffered (as
   * an isend the receiver completes later): it returns at once, so sends never
   * deadlock; the receiver's `recv` of the same tag from this device takes it.
   * `axis` names the mesh axis the pair differs on, for the byte counters.
   */
  send(device: number, to: number, tag: string, tensor: Tensor<string>, axis: string): void {
    if (this.failure !== undefined) throw new MeshtypeError("mesh-aborted", `${this.describeDevice(device)}: the send of "${tag}" was abandoned because the run already failed: ${this.failure.message}`);
    const key = `${device}>${to}#${tag}`;
    if (this.mailbox.has(key)) {
      const error = new MeshtypeError("p2p-mismatch", `${this.describeDevice(device)} sent "${tag}" to ${this.describeDevice(to)} twice before it was received. Each tag is sent once per receive: give every message its own tag (the micro-batch and the value).`);
      this.fail(error, error);
      throw error;
    }
    this.lastProgress = Date.now();
    this.lastCalls[device] = `send "${tag}" to device ${to}`;
    const bytes = tensor.data.length * BYTES_PER_ELEMENT;
    this.stats.record(device, "send", axis, bytes, bytes);
    const receiver = this.receivers.get(key);
    if (receiver === undefined) {
      this.mailbox.set(key, { device, tensor });
      return;
    }
    this.receivers.delete(key);
    this.deliver(receiver, { device, tensor });
  }

  /**
   * Point-to-point: `device` receives what `from` sends under `tag`, a tensor
   * of local `dims` (a message of other dims is a "p2p-mismatch" error naming
   * both devices and both shapes).
   */
  recv(device: number, from: number, tag: string, dims: readonly Dim[]): Promise<Tensor<string>> {
    if (this.failure !== undefined) return Promise.reject(new MeshtypeError("mesh-aborted", `${this.describeDevice(device)}: the receive of "${tag}" was abandoned because the run already failed: ${this.failure.message}`));
    const key = `${from}>${device}#${tag}`;
    this.lastProgress = Date.now();
    this.lastCalls[device] = `receive "${tag}" from device ${from}`;
    return new Promise<Tensor<string>>((resolve, reject) => {
      const receiver: Receiver = { device, from, tag, dims, resolve, reject };
      const message = this.mailbox.get(key);
      if (message !== undefined) {
        this.mailbox.delete(key);
        this.deliver(receiver, message);
        return;
      }
      this.receivers.set(key, receiver);
      this.status[device] = { state: "receiving", receiver };
      this.checkDeadlock();
    });
  }

  /** Hand `message` to `receiver`, or fail the run naming both sides when its dims are not the ones expected. */
  private deliver(receiver: Receiver, message: Message): void {
    this.lastProgress = Date.now();
    this.release(receiver.device);
    const sent = formatDims(message.tensor.dims);
    const expected = formatDims(receiver.dims);
    if (sent !== expected) {
      const error = new MeshtypeError(
        "p2p-mismatch",
        `Point-to-point mismatch for "${receiver.tag}": ${this.describeDevice(message.device)} sent ${sent}, but ${this.describeDevice(receiver.device)} receives ${expected}. ` +
          `The two stage programs disagree on the value's shape or layout: compile both from the same program.`,
      );
      this.fail(error, error);
      receiver.reject(error);
      return;
    }
    receiver.resolve(message.tensor);
  }

  /** After every device finished: a message sent and never received is an error naming both sides, else undefined. */
  unreceived(): MeshtypeError | undefined {
    const [entry] = this.mailbox;
    if (entry === undefined) return undefined;
    const [key, message] = entry;
    const to = Number(key.slice(key.indexOf(">") + 1, key.indexOf("#")));
    const tag = key.slice(key.indexOf("#") + 1);
    return new MeshtypeError(
      "p2p-mismatch",
      `${this.describeDevice(message.device)} sent "${tag}" ${formatDims(message.tensor.dims)} to ${this.describeDevice(to)}, which finished without receiving it` +
        `${this.mailbox.size > 1 ? ` (and ${this.mailbox.size - 1} more message(s) were never received)` : ""}. Every send needs the matching receive on the other device.`,
    );
  }

  /** How `sender` stands, for a deadlock message about a receive from it. */
  private sendState(sender: number): string {
    const status = this.status[sender];
    switch (status.state) {
      case "done":
        return "finished without sending it";
      case "failed":
        return "failed";
      case "running":
        return "is still running";
      case "receiving":
        return `itself waits to receive "${status.receiver.tag}" from ${this.describeDevice(status.receiver.from)}`;
      case "waiting":
        return `waits in collective #${status.rendezvous.step} over "${status.rendezvous.axis}"`;
    }
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
    if (this.failure !== undefined || (this.pending.size === 0 && this.receivers.size === 0)) return;
    if (this.status.some((status) => status.state === "running")) return;
    const lines: string[] = [];
    for (const receiver of this.receivers.values()) {
      lines.push(`  - ${this.describeDevice(receiver.device)} waits to receive "${receiver.tag}" from ${this.describeDevice(receiver.from)}, which ${this.sendState(receiver.from)}`);
    }
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
      `Deadlock: every unfinished device waits in a collective or a receive that cannot complete.\n${lines.join("\n")}\n` +
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
      case "receiving":
        return `it waits to receive "${status.receiver.tag}" from ${this.describeDevice(status.receiver.from)}`;
      case "waiting": {
        const [arrival] = [...status.rendezvous.arrivals.values()].filter((entry) => entry.device === device);
        return `it waits in ${describeCall(arrival.call, arrival.input)} (collective #${status.rendezvous.step} over "${status.rendezvous.axis}")`;
      }
    }
  }
}
