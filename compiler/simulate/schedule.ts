/**
 * Simulating a task graph: every stream runs its tasks in issue order, each
 * task starting when its stream is free and every task it depends on has
 * ended (FlexFlow's execution simulator). Tasks are stored in issue order and
 * depend only on earlier ones, so one pass computes every start and end.
 *
 * `resimulate` is the delta simulation a search uses: given the previous
 * schedule and the tasks whose duration changed, it recomputes only the tasks
 * whose start can move (the changed ones and, transitively, their dependents
 * and stream successors whose inputs moved), in issue order, and stops where
 * nothing moves. It computes every task with the same expression as the full
 * simulation, so the two give identical results (tested on random graphs).
 * `resimulateFrom` handles a change of the graph itself (tasks added or
 * removed): it keeps the schedule before the first changed task.
 */

/** What a schedule needs of a task graph (compiler/simulate/taskGraph.ts has these fields). */
export interface Schedulable {
  readonly size: number;
  readonly stream: Uint8Array | Uint16Array;
  /** How many streams `stream` numbers (default 2: compute and communication; a pipeline has more). */
  readonly streams?: number;
  readonly seconds: Float64Array;
  readonly depStart: Int32Array;
  readonly deps: Int32Array;
}

/** Start and end of every task, seconds from the step's start. */
export interface Schedule {
  readonly start: Float64Array;
  readonly end: Float64Array;
  /** The step time: the last end. */
  readonly makespan: number;
  /** Tasks (re)computed to get it: the graph's size for a full simulation. */
  readonly computed: number;
}

/** A device's streams: compute and communication (a pipeline schedule says how many it has). */
const defaultStreams = 2;

/** The start of task `task` given the ends of the tasks before it. */
function startOf(graph: Schedulable, end: Float64Array, task: number, streamFree: number): number {
  let ready = streamFree;
  for (let at = graph.depStart[task]; at < graph.depStart[task + 1]; at++) {
    const dep = end[graph.deps[at]];
    if (dep > ready) ready = dep;
  }
  return ready;
}

function makespanOf(end: Float64Array): number {
  let last = 0;
  for (let task = 0; task < end.length; task++) if (end[task] > last) last = end[task];
  return last;
}

/** Simulate every task of `graph`. */
export function simulate(graph: Schedulable): Schedule {
  return resimulateFrom(graph, undefined, 0);
}

/**
 * Simulate `graph` keeping `previous` for the tasks before `first` (which must
 * be the same tasks with the same durations and dependencies as in the graph
 * `previous` was computed for).
 */
export function resimulateFrom(graph: Schedulable, previous: Schedule | undefined, first: number): Schedule {
  const start = new Float64Array(graph.size);
  const end = new Float64Array(graph.size);
  const free = new Float64Array(graph.streams ?? defaultStreams);
  const keep = previous === undefined ? 0 : Math.min(first, graph.size);
  if (previous !== undefined && keep > 0) {
    start.set(previous.start.subarray(0, keep));
    end.set(previous.end.subarray(0, keep));
    for (let task = 0; task < keep; task++) free[graph.stream[task]] = end[task];
  }
  for (let task = keep; task < graph.size; task++) {
    const stream = graph.stream[task];
    const at = startOf(graph, end, task, free[stream]);
    start[task] = at;
    end[task] = at + graph.seconds[task];
    free[stream] = end[task];
  }
  return { start, end, makespan: makespanOf(end), computed: graph.size - keep };
}

/** Successors of every task: its dependents, and the next task on its stream. */
export interface Successors {
  readonly start: Int32Array;
  readonly list: Int32Array;
  readonly nextOnStream: Int32Array;
  readonly previousOnStream: Int32Array;
}

/** The successor lists of `graph` (computed once per graph structure, reused by every delta). */
export function successorsOf(graph: Schedulable): Successors {
  const count = new Int32Array(graph.size + 1);
  for (let at = 0; at < graph.deps.length; at++) count[graph.deps[at] + 1]++;
  for (let task = 0; task < graph.size; task++) count[task + 1] += count[task];
  const list = new Int32Array(graph.deps.length);
  const fill = count.slice(0, graph.size);
  for (let task = 0; task < graph.size; task++) {
    for (let at = graph.depStart[task]; at < graph.depStart[task + 1]; at++) list[fill[graph.deps[at]]++] = task;
  }
  const nextOnStream = new Int32Array(graph.size).fill(-1);
  const previousOnStream = new Int32Array(graph.size).fill(-1);
  const last = new Int32Array(graph.streams ?? defaultStreams).fill(-1);
  for (let task = 0; task < graph.size; task++) {
    const stream = graph.stream[task];
    if (last[stream] >= 0) {
      nextOnStream[last[stream]] = task;
      previousOnStream[task] = last[stream];
    }
    last[stream] = task;
  }
  return { start: count, list, nextOnStream, previousOnStream };
}

/** A binary min-heap of task indices. */
class TaskHeap {
  private readonly items: number[] = [];
  get size(): number {
    return this.items.length;
  }
  push(task: number): void {
    const items = this.items;
    items.push(task);
    for (let at = items.length - 1; at > 0; ) {
      const parent = (at - 1) >> 1;
      if (items[parent] <= items[at]) break;
      [items[parent], items[at]] = [items[at], items[parent]];
      at = parent;
    }
  }
  pop(): number {
    const items = this.items;
    const top = items[0];
    const last = items.pop() as number;
    if (items.length > 0) {
      items[0] = last;
      for (let at = 0; ; ) {
        const left = 2 * at + 1;
        const right = left + 1;
        let least = at;
        if (left < items.length && items[left] < items[least]) least = left;
        if (right < items.length && items[right] < items[least]) least = right;
        if (least === at) break;
        [items[least], items[at]] = [items[at], items[least]];
        at = least;
      }
    }
    return top;
  }
}

/**
 * Delta simulation: `graph` is the graph `previous` was computed for with the
 * durations of the tasks in `changed` replaced (same tasks, same dependencies).
 * Gives exactly `simulate(graph)`.
 */
export function resimulate(graph: Schedulable, previous: Schedule, changed: Iterable<number>, successors: Successors = successorsOf(graph)): Schedule {
  const start = Float64Array.from(previous.start);
  const end = Float64Array.from(previous.end);
  const queued = new Uint8Array(graph.size);
  const heap = new TaskHeap();
  const enqueue = (task: number): void => {
    if (task >= 0 && !queued[task]) {
      queued[task] = 1;
      heap.push(task);
    }
  };
  for (const task of changed) enqueue(task);
  let computed = 0;
  while (heap.size > 0) {
    const task = heap.pop();
    queued[task] = 0;
    computed++;
    const before = successors.previousOnStream[task];
    const at = startOf(graph, end, task, before >= 0 ? end[before] : 0);
    const finish = at + graph.seconds[task];
    if (at === start[task] && finish === end[task]) continue;
    start[task] = at;
    end[task] = finish;
    for (let index = successors.start[task]; index < successors.start[task + 1]; index++) enqueue(successors.list[index]);
    enqueue(successors.nextOnStream[task]);
  }
  // The makespan is the last end; when a task ending last got shorter, scan for the new last end.
  return { start, end, makespan: makespanOf(end), computed };
}
