/**
 * Peak memory of one device over a simulated step, by liveness: a value is
 * held from the start of the task that makes it (a program input from the
 * start: inputs are donated, as with JAX's `donate_argnums`, so an input is
 * freed after its last reader) to the end of its last reader (a result to
 * the end of the step). Kernels' internal values are not held (under
 * `fused`, a fused kernel's intermediates stay in registers). The breakdown
 * by class (valueClasses.ts) is taken at the peak, with the largest holders.
 */
import type { Op, SourceLoc, ValueId } from "../ir/ir.ts";
import type { Schedule } from "./schedule.ts";
import type { TaskGraph } from "./taskGraph.ts";
import { valueClasses, type ValueClass } from "./valueClasses.ts";

/** One value held at the peak (runs of the same value in several loop iterations are summed). */
export interface MemoryHolder {
  readonly value: ValueId;
  /** The source name of the value, e.g. `params.layers.3.mlp.up.w` or `h`. */
  readonly name: string;
  readonly valueClass: ValueClass;
  readonly loc?: SourceLoc;
  readonly bytes: number;
  /** How many copies (loop iterations) are held. */
  readonly copies: number;
}

/** Peak memory of one device. */
export interface MemoryReport {
  readonly peakBytes: number;
  /** When in the step the peak is reached, seconds. */
  readonly peakAt: number;
  readonly byClass: Readonly<Record<ValueClass, number>>;
  /** The device's memory. */
  readonly capacityBytes: number;
  /** The peak exceeds the device's memory. */
  readonly over: boolean;
  /** The largest holders at the peak, largest first. */
  readonly holders: readonly MemoryHolder[];
}

/** The memory report of `graph` under `schedule`; `holderCount` holders are listed. */
export function peakMemory(graph: TaskGraph, schedule: Schedule, holderCount = 8): MemoryReport {
  const instances = graph.instances;
  const count = instances.length;
  const allocAt = new Float64Array(count);
  const freeAt = new Float64Array(count);
  for (let index = 0; index < count; index++) {
    const instance = instances[index];
    const from = instance.task < 0 ? 0 : schedule.start[instance.task];
    const lastUse = instance.lastUse;
    const until = lastUse >= graph.size ? schedule.makespan : lastUse >= 0 ? schedule.end[lastUse] : instance.task >= 0 ? schedule.end[instance.task] : 0;
    allocAt[index] = from;
    freeAt[index] = Math.max(from, until);
  }
  // Events in time order; at equal times frees go first (a buffer freed at t is reusable at t).
  const order = new Int32Array(2 * count);
  for (let index = 0; index < count; index++) {
    order[2 * index] = 2 * index + 1; // free of index
    order[2 * index + 1] = 2 * index; // allocation of index
  }
  const timeOf = (event: number): number => (event & 1 ? freeAt[event >> 1] : allocAt[event >> 1]);
  const sorted = Array.from(order).sort((a, b) => timeOf(a) - timeOf(b) || (b & 1) - (a & 1));
  let held = 0;
  let peak = 0;
  let peakAt = 0;
  let peakEvent = -1;
  sorted.forEach((event, position) => {
    const bytes = instances[event >> 1].bytes;
    held += event & 1 ? -bytes : bytes;
    if (held > peak) {
      peak = held;
      peakAt = timeOf(event);
      peakEvent = position;
    }
  });
  const byClass = Object.fromEntries(valueClasses.map((name) => [name, 0])) as Record<ValueClass, number>;
  const holders = new Map<ValueId, { bytes: number; copies: number; valueClass: ValueClass }>();
  if (peakEvent >= 0) {
    const alive = new Uint8Array(count);
    for (let position = 0; position <= peakEvent; position++) {
      const event = sorted[position];
      alive[event >> 1] = event & 1 ? 0 : 1;
    }
    for (let index = 0; index < count; index++) {
      if (!alive[index]) continue;
      const instance = instances[index];
      byClass[instance.valueClass] += instance.bytes;
      const holder = holders.get(instance.value) ?? { bytes: 0, copies: 0, valueClass: instance.valueClass };
      holder.bytes += instance.bytes;
      holder.copies += 1;
      holders.set(instance.value, holder);
    }
  }
  const top = [...holders.entries()].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, holderCount);
  const producers = producersOf(graph, new Set(top.map(([value]) => value)));
  return {
    peakBytes: peak, peakAt, byClass, capacityBytes: graph.cluster.device.memoryBytes, over: peak > graph.cluster.device.memoryBytes,
    holders: top.map(([value, holder]) => {
      const op = producers.get(value);
      const loc = op?.loc;
      const name = graph.program.values.get(value)?.hint ?? `${op?.op ?? "value"} output`;
      return { value, name, valueClass: holder.valueClass, ...(loc ? { loc } : {}), bytes: holder.bytes, copies: holder.copies };
    }),
  };
}

/** The ops that make `ids` (a param's is where the program is bound), in one walk of the program. */
function producersOf(graph: TaskGraph, ids: ReadonlySet<ValueId>): Map<ValueId, Op> {
  const found = new Map<ValueId, Op>();
  const stack = [...graph.program.body];
  while (stack.length > 0 && found.size < ids.size) {
    const statement = stack.pop();
    if (statement === undefined) break;
    if (statement.op === "loop") stack.push(...statement.body);
    else if (ids.has(statement.output)) found.set(statement.output, statement);
  }
  return found;
}
