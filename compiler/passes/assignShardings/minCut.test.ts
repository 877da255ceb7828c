import { describe, expect, it } from "vitest";
import { minimumVertexCut } from "./minCut.ts";

describe("minimumVertexCut", () => {
  it("cuts the one node every path passes through when it is cheaper than the sinks", () => {
    // 0 -> 1 -> {2, 3}; sinks 0 (read whole), 2, 3
    const cut = minimumVertexCut({ capacity: [4, 4, 4, 4], edges: [[0, 1], [1, 2], [1, 3]], sources: [0], sinks: [0, 2, 3] });
    expect(cut).toEqual({ nodes: [0], cost: 4 });
  });

  it("keeps the sinks when they are cheapest, and of equal cuts takes the one closest to the sinks", () => {
    expect(minimumVertexCut({ capacity: [5, 3], edges: [[0, 1]], sources: [0], sinks: [1] })).toEqual({ nodes: [1], cost: 3 });
    expect(minimumVertexCut({ capacity: [3, 3], edges: [[0, 1]], sources: [0], sinks: [1] })).toEqual({ nodes: [1], cost: 3 });
  });

  it("cuts two merging paths at the merge when that is cheaper than both branches", () => {
    // sources 0 and 1 merge into 2, read at 2; cutting 2 (cost 5) beats cutting 0 and 1 (3 + 3)
    expect(minimumVertexCut({ capacity: [3, 3, 5], edges: [[0, 2], [1, 2]], sources: [0, 1], sinks: [2] })).toEqual({ nodes: [2], cost: 5 });
    expect(minimumVertexCut({ capacity: [2, 2, 5], edges: [[0, 2], [1, 2]], sources: [0, 1], sinks: [2] })).toEqual({ nodes: [0, 1], cost: 4 });
  });

  it("an empty graph needs no cut", () => {
    expect(minimumVertexCut({ capacity: [1], edges: [], sources: [0], sinks: [] })).toEqual({ nodes: [], cost: 0 });
  });
});
