import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { resimulate, resimulateFrom, simulate, type Schedulable } from "./schedule.ts";

/** A random task graph: tasks in issue order, each depending on a few earlier ones, on one of two streams. */
const graphs = fc
  .array(fc.record({ stream: fc.integer({ min: 0, max: 1 }), seconds: fc.double({ min: 0, max: 1, noNaN: true }), deps: fc.array(fc.nat(), { maxLength: 3 }) }), { minLength: 1, maxLength: 60 })
  .map((tasks): Schedulable => {
    const depStart = [0];
    const deps: number[] = [];
    tasks.forEach((task, index) => {
      if (index > 0) for (const dep of new Set(task.deps.map((value) => value % index))) deps.push(dep);
      depStart.push(deps.length);
    });
    return { size: tasks.length, stream: Uint8Array.from(tasks.map((task) => task.stream)), seconds: Float64Array.from(tasks.map((task) => task.seconds)), depStart: Int32Array.from(depStart), deps: Int32Array.from(deps) };
  });

describe("simulate", () => {
  it("runs each stream in order and starts a task when its stream and its inputs are ready", () => {
    // 0: compute 1 s; 1: collective of 0's output, 2 s; 2: compute 1 s (independent); 3: compute, needs 1.
    const graph: Schedulable = { size: 4, stream: Uint8Array.from([0, 1, 0, 0]), seconds: Float64Array.from([1, 2, 1, 1]), depStart: Int32Array.from([0, 0, 1, 1, 2]), deps: Int32Array.from([0, 1]) };
    const schedule = simulate(graph);
    expect(Array.from(schedule.start)).toEqual([0, 1, 1, 3]);
    expect(schedule.makespan).toBe(4);
  });
});

describe("delta simulation", () => {
  it("equals the full simulation after random duration changes", () => {
    fc.assert(
      fc.property(graphs, fc.array(fc.tuple(fc.nat(), fc.double({ min: 0, max: 2, noNaN: true })), { minLength: 1, maxLength: 5 }), (graph, edits) => {
        const before = simulate(graph);
        const seconds = Float64Array.from(graph.seconds);
        const changed = edits.map(([task, value]) => {
          seconds[task % graph.size] = value;
          return task % graph.size;
        });
        const after = { ...graph, seconds };
        const delta = resimulate(after, before, changed);
        const full = simulate(after);
        expect(Array.from(delta.start)).toEqual(Array.from(full.start));
        expect(Array.from(delta.end)).toEqual(Array.from(full.end));
        expect(delta.makespan).toBe(full.makespan);
      }),
      { numRuns: 300 },
    );
  });

  it("recomputes only what moves: a change on a task nothing waits for touches one task", () => {
    const graph: Schedulable = { size: 3, stream: Uint8Array.from([0, 1, 0]), seconds: Float64Array.from([1, 1, 1]), depStart: Int32Array.from([0, 0, 0, 0]), deps: Int32Array.from([]) };
    const delta = resimulate({ ...graph, seconds: Float64Array.from([1, 5, 1]) }, simulate(graph), [1]);
    expect(delta.computed).toBe(1);
    expect(delta.makespan).toBe(5);
  });

  it("equals the full simulation when tasks are added after a kept prefix", () => {
    fc.assert(
      fc.property(graphs, fc.nat(), (graph, cut) => {
        const first = cut % graph.size;
        const before = simulate(graph);
        // Another graph with the same first `first` tasks and different ones after them.
        const seconds = Float64Array.from(graph.seconds, (value, index) => (index >= first ? value * 2 + 0.25 : value));
        const after = { ...graph, seconds };
        const delta = resimulateFrom(after, before, first);
        expect(Array.from(delta.end)).toEqual(Array.from(simulate(after).end));
      }),
      { numRuns: 200 },
    );
  });
});
