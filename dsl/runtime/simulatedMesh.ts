import { MeshtypeError } from "../errors.ts";
import type { Mesh } from "../mesh.ts";
import type { Dim, Tensor } from "../tensor.ts";
import { checkChunkable, takeChunk } from "./chunk.ts";
import type { UnevenOptions } from "./collectives.ts";
import type { DeviceContext, DeviceProgram } from "./deviceContext.ts";
import { MeshRun } from "./meshRun.ts";
import type { PartialReduce } from "./sharding.ts";
import { CommStats } from "./stats.ts";

/** `{ pad: true }` when the options ask for it, else nothing (so calls without it keep their signature). */
function padOption(options: UnevenOptions): { pad?: true } {
  return options.pad ? { pad: true } : {};
}

/** `{ size }` when the options give one. */
function sizeOption(options: UnevenOptions): { size?: number } {
  return options.size === undefined ? {} : { size: options.size };
}

/** Options of a `SimulatedMesh`. */
export interface SimulatedMeshOptions {
  /**
   * A run in which no device joins a collective, finishes or fails for this
   * long (while some device still runs) rejects with a "device-stalled"
   * `MeshtypeError` naming the devices and their last collective, instead of
   * hanging (default 60 000 ms; `Infinity` turns the check off).
   */
  readonly stallTimeoutMs?: number;
}

/** The default stall bound of a `SimulatedMesh` run: a minute without any device progressing. */
export const defaultStallTimeoutMs = 60_000;

/** The context one device of a `SimulatedMesh` run hands to its program. */
class SimulatedDeviceContext implements DeviceContext {
  readonly coords: Readonly<Record<string, number>>;
  readonly mesh: Mesh;

  constructor(
    private readonly run: MeshRun,
    private readonly stats: CommStats,
    readonly device: number,
  ) {
    this.mesh = run.mesh;
    this.coords = Object.freeze(run.mesh.coords(device));
  }

  allReduce<S extends string>(x: Tensor<S>, axis: string | readonly string[], reduce: PartialReduce): Promise<Tensor<S>> {
    const axes = typeof axis === "string" ? [axis] : [...axis];
    if (axes.length === 0) throw new MeshtypeError("collective-axes", `allReduce needs a mesh axis, or a list of them; it was given an empty list.`);
    const [first, ...more] = axes;
    return this.join(x, { kind: "allReduce", axis: first, reduce, ...(more.length > 0 ? { alsoOver: more } : {}) });
  }

  allGather<S extends string>(x: Tensor<S>, axis: string, dim: string, options: UnevenOptions = {}): Promise<Tensor<S>> {
    return this.join(x, { kind: "allGather", axis, dim, ...sizeOption(options) });
  }

  reduceScatter<S extends string>(x: Tensor<S>, axis: string, dim: string, reduce: PartialReduce = "sum", options: UnevenOptions = {}): Promise<Tensor<S>> {
    return this.join(x, { kind: "reduceScatter", axis, dim, reduce, ...padOption(options) });
  }

  allToAll<S extends string>(x: Tensor<S>, axis: string, splitDim: string, concatDim: string, options: UnevenOptions = {}): Promise<Tensor<S>> {
    return this.join(x, { kind: "allToAll", axis, splitDim, concatDim, ...padOption(options), ...sizeOption(options) });
  }

  collectivePermute<S extends string>(x: Tensor<S>, axis: string, shift: number): Promise<Tensor<S>> {
    return this.join(x, { kind: "collectivePermute", axis, shift });
  }

  localSlice<S extends string>(x: Tensor<S>, axis: string, dim: string, options: UnevenOptions = {}): Tensor<S> {
    const parts = this.mesh.axisSize(axis);
    const pad = options.pad === true;
    checkChunkable(x, dim, parts, `localSlice over mesh axis "${axis}" (${parts} devices)`, pad);
    this.stats.record(this.device, "localSlice", axis, 0, 0);
    return takeChunk(x, dim, parts, this.coords[axis], pad);
  }

  send<S extends string>(x: Tensor<S>, axis: string, to: number, tag: string): Promise<void> {
    this.run.send(this.device, this.peer(axis, to, "send"), tag, x, axis);
    return Promise.resolve();
  }

  async recv<S extends string>(dims: readonly Dim[], axis: string, from: number, tag: string): Promise<Tensor<S>> {
    return (await this.run.recv(this.device, this.peer(axis, from, "recv"), tag, dims)) as Tensor<S>;
  }

  /** The device at coordinate `coord` on `axis`, every other coordinate this device's. */
  private peer(axis: string, coord: number, what: string): number {
    const size = this.mesh.axisSize(axis);
    if (!Number.isInteger(coord) || coord < 0 || coord >= size || coord === this.coords[axis]) {
      throw new MeshtypeError("p2p-peer", `${what} over mesh axis "${axis}": coordinate ${coord} is not another device of the axis (0..${size - 1}, this device is ${this.coords[axis]}).`);
    }
    return this.mesh.deviceAt({ ...this.coords, [axis]: coord });
  }

  /** Join the group; the output keeps the input's dims string (names unchanged, local sizes). */
  private async join<S extends string>(x: Tensor<S>, call: Parameters<MeshRun["join"]>[1]): Promise<Tensor<S>> {
    return (await this.run.join(this.device, call, x)) as Tensor<S>;
  }
}

/**
 * Runs one device program per device of a mesh, concurrently, in one process:
 * the simulated mesh that generated device modules are tested on.
 *
 * Each device's program gets a `DeviceContext` and its own arguments; the
 * collectives meet at a rendezvous per group and step. Nothing hangs:
 * - a device program that throws makes `run` reject with that error, its
 *   message prefixed with the device id and coordinates; devices waiting in
 *   collectives are released with an error and later collectives fail at once;
 * - devices of one group that make different collectives at the same step
 *   (kind, axis, attributes or local dims) make `run` reject with a
 *   "collective-mismatch" `MeshtypeError` naming both devices and both calls;
 * - when every unfinished device waits and no group can complete, `run`
 *   rejects with a "collective-deadlock" `MeshtypeError` naming who waits in
 *   what and who never came;
 * - when no device progresses for `stallTimeoutMs` while some device still
 *   runs (it awaits a promise that never settles), `run` rejects with a
 *   "device-stalled" `MeshtypeError` naming it and its last collective.
 *
 * `stats` counts bytes per collective kind, axis and device over every run
 * until `stats.reset()` (see `CommStats` and `ringWireBytes`).
 *
 * @example
 * const sim = new SimulatedMesh(mesh({ data: 2, model: 2 }));
 * const results = await sim.run(
 *   async (ctx, x: Tensor<"b d">) => ctx.allReduce(x, "model", "sum"),
 *   (device) => [shards[device]],
 * );
 * sim.stats.get("allReduce", "model").wireBytes;
 */
export class SimulatedMesh<Axes extends Record<string, number> = Record<string, number>> {
  readonly mesh: Mesh<Axes>;
  /** Communication counters, summed over every run since the last reset. */
  readonly stats: CommStats;
  /** How long a run may go without any device progressing before it is reported as stalled (ms). */
  readonly stallTimeoutMs: number;

  constructor(mesh: Mesh<Axes>, options: SimulatedMeshOptions = {}) {
    this.mesh = mesh;
    this.stats = new CommStats(mesh.deviceCount);
    this.stallTimeoutMs = options.stallTimeoutMs ?? defaultStallTimeoutMs;
    if (!(this.stallTimeoutMs > 0)) {
      throw new MeshtypeError("bad-option", `SimulatedMesh: stallTimeoutMs must be a positive number of milliseconds (or Infinity), not ${String(options.stallTimeoutMs)}.`);
    }
  }

  /**
   * Run `program(ctx, ...argsForDevice(device))` on every device at once and
   * resolve to the per-device results, indexed by device id.
   */
  async run<Args extends readonly unknown[], Result>(
    program: DeviceProgram<Args, Result>,
    argsForDevice: (device: number) => Readonly<Args>,
  ): Promise<Result[]> {
    const run = new MeshRun(this.mesh, this.stats);
    const contexts = Array.from({ length: this.mesh.deviceCount }, (_, device) => new SimulatedDeviceContext(run, this.stats, device));
    const results = new Array<Result>(this.mesh.deviceCount);
    const devices = contexts.map(async (ctx) => {
      try {
        // Readonly only so that callers may pass `[...] as const`; the program gets the same values.
        const args = argsForDevice(ctx.device) as Args;
        results[ctx.device] = await program(ctx, ...args);
        run.finished(ctx.device);
      } catch (error) {
        run.failed(ctx.device, error);
      }
    });
    await this.withWatchdog(run, Promise.all(devices));
    if (run.failure !== undefined) throw run.failure;
    const unreceived = run.unreceived();
    if (unreceived !== undefined) throw unreceived;
    return results;
  }

  /** `all`, or the stall error when no device progresses for `stallTimeoutMs` (a device awaiting what never settles would hang it). */
  private async withWatchdog(run: MeshRun, all: Promise<unknown>): Promise<void> {
    if (this.stallTimeoutMs === Infinity) {
      await all;
      return;
    }
    const bound = this.stallTimeoutMs;
    let timer: ReturnType<typeof setInterval> | undefined;
    const stall = new Promise<never>((_, reject) => {
      timer = setInterval(() => {
        const error = run.stalled(bound);
        if (error !== undefined) reject(error);
      }, Math.min(1000, Math.max(5, bound / 4)));
    });
    try {
      await Promise.race([all, stall]);
    } finally {
      clearInterval(timer);
    }
  }

  /** Forget the communication counters (same as `stats.reset()`). */
  resetStats(): void {
    this.stats.reset();
  }
}
