import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bestStageCut, type StageCutProblem } from "./pipelineDp.ts";

/** Every way to cut `layers` into `stages` consecutive non-empty parts. */
function compositions(layers: number, stages: number): number[][] {
  if (stages === 1) return [[layers]];
  const found: number[][] = [];
  for (let first = 1; first <= layers - stages + 1; first++) for (const rest of compositions(layers - first, stages - 1)) found.push([first, ...rest]);
  return found;
}

/** Alpa's T of a cut, by brute force; Infinity when a stage is over memory. */
function bruteForce(problem: StageCutProblem): number {
  let best = Infinity;
  for (const cut of compositions(problem.layers, problem.stages)) {
    let first = 0;
    let sum = 0;
    let slowest = 0;
    let fits = true;
    cut.forEach((count, stage) => {
      const cost = problem.stageCost(stage, first, count);
      fits &&= cost.bytes <= problem.memoryBytes;
      sum += cost.seconds;
      slowest = Math.max(slowest, cost.seconds);
      first += count;
    });
    if (fits) best = Math.min(best, sum + (problem.microbatches - 1) * slowest);
  }
  return best;
}

/**
 * Layers of random costs; a stage's latency is its layers' sum, plus 0.5 on the first stage, plus sending
 * its last layer's output on (`boundarySeconds`, so the sum over stages depends on the cut); memory as 1F1B holds it.
 */
function problemOf(layerSeconds: readonly number[], layerBytes: readonly number[], stages: number, microbatches: number, memoryBytes: number, boundarySeconds?: readonly number[]): StageCutProblem {
  return {
    layers: layerSeconds.length, stages, microbatches, memoryBytes,
    stageCost: (stage, first, count) => {
      let seconds = (stage === 0 ? 0.5 : 0) + (stage < stages - 1 ? (boundarySeconds?.[first + count - 1] ?? 0) : 0);
      let bytes = 0;
      for (let layer = first; layer < first + count; layer++) {
        seconds += layerSeconds[layer];
        bytes += layerBytes[layer] * Math.min(stages - stage, microbatches);
      }
      return { seconds, bytes };
    },
  };
}

describe("Alpa's stage-cut dynamic program", () => {
  it("finds the brute-force optimum of random layer costs, stage counts, micro-batches and memory limits", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: 0.1, max: 5, noNaN: true }), fc.integer({ min: 1, max: 10 }), fc.double({ min: 0, max: 3, noNaN: true })), { minLength: 1, maxLength: 9 }),
        fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 5, max: 200 }),
        (layers, stages, microbatches, memory) => {
          const problem = problemOf(layers.map((layer) => layer[0]), layers.map((layer) => layer[1]), stages, microbatches, memory, layers.map((layer) => layer[2]));
          const expected = bruteForce(problem);
          const found = bestStageCut(problem);
          if (expected === Infinity) {
            expect(found).toBeUndefined();
            return;
          }
          if (found === undefined) throw new Error(`no cut, brute force found ${expected}`);
          expect(found.seconds).toBeCloseTo(expected, 9);
          expect(found.layersPerStage.reduce((total, count) => total + count, 0)).toBe(layers.length);
          expect(found.layersPerStage.every((count) => count >= 1)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("balances identical layers and gives the first stage fewer when it also holds the embedding", () => {
    const equal = bestStageCut(problemOf(Array(8).fill(1), Array(8).fill(1), 4, 8, Infinity));
    // the first stage pays 0.5 more: 8 layers into 4 stages cannot balance below max 2.5 (2 + 0.5)
    expect(equal?.layersPerStage).toEqual([2, 2, 2, 2]);
    const heavy = bestStageCut({ ...problemOf(Array(7).fill(1), Array(7).fill(1), 3, 16, Infinity), stageCost: (stage, _first, count) => ({ seconds: count + (stage === 0 ? 2 : 0), bytes: 0 }) });
    expect(heavy?.layersPerStage).toEqual([1, 3, 3]);
  });

  it("moves layers off the first stages when 1F1B's in-flight activations do not fit there", () => {
    // 1F1B: stage 0 of 4 holds 4 micro-batches, stage 3 one; each layer's activations 10 bytes per micro-batch
    const found = bestStageCut(problemOf(Array(8).fill(1), Array(8).fill(10), 4, 8, 45));
    if (found === undefined) throw new Error("no cut");
    // stage i may hold floor(45 / (10 (4 - i))) layers: 1, 1, 2, 4
    expect(found.layersPerStage).toEqual([1, 1, 2, 4]);
    expect(bestStageCut(problemOf(Array(8).fill(1), Array(8).fill(10), 4, 8, 39))).toBeUndefined();
  });

  it("has no cut into more stages than layers", () => {
    expect(bestStageCut(problemOf([1, 1], [1, 1], 3, 4, Infinity))).toBeUndefined();
  });
});
