/**
 * A minimum vertex cut in a small directed graph (Dinic's max-flow with every
 * node split into an in and an out half joined by an edge of the node's
 * capacity): the cheapest set of nodes that every path from a source to a
 * sink passes through. reduceOnce.ts uses it to place the reductions of
 * pending sums.
 */

/** A graph to cut: node capacities (cost of cutting the node), edges, and which nodes are sources and sinks. */
export interface CutProblem {
  /** Capacity of node i (>= 0, finite). */
  readonly capacity: readonly number[];
  /** Directed edges between nodes, uncuttable. */
  readonly edges: readonly (readonly [number, number])[];
  /** Nodes that paths start at (the path includes the node, which can be cut). */
  readonly sources: readonly number[];
  /** Nodes that paths end at (the path includes the node, which can be cut). */
  readonly sinks: readonly number[];
}

interface Edge {
  readonly to: number;
  capacity: number;
  readonly reverse: number;
}

class FlowGraph {
  readonly adjacent: Edge[][];

  constructor(size: number) {
    this.adjacent = Array.from({ length: size }, () => []);
  }

  add(from: number, to: number, capacity: number): void {
    this.adjacent[from].push({ to, capacity, reverse: this.adjacent[to].length });
    this.adjacent[to].push({ to: from, capacity: 0, reverse: this.adjacent[from].length - 1 });
  }

  levels(source: number): number[] {
    const level = new Array<number>(this.adjacent.length).fill(-1);
    level[source] = 0;
    const queue = [source];
    for (let head = 0; head < queue.length; head++) {
      const node = queue[head];
      for (const edge of this.adjacent[node]) {
        if (edge.capacity > 0 && level[edge.to] < 0) {
          level[edge.to] = level[node] + 1;
          queue.push(edge.to);
        }
      }
    }
    return level;
  }

  push(node: number, sink: number, amount: number, level: readonly number[], next: number[]): number {
    if (node === sink) return amount;
    for (; next[node] < this.adjacent[node].length; next[node]++) {
      const edge = this.adjacent[node][next[node]];
      if (edge.capacity <= 0 || level[edge.to] !== level[node] + 1) continue;
      const pushed = this.push(edge.to, sink, Math.min(amount, edge.capacity), level, next);
      if (pushed > 0) {
        edge.capacity -= pushed;
        this.adjacent[edge.to][edge.reverse].capacity += pushed;
        return pushed;
      }
    }
    return 0;
  }

  maxFlow(source: number, sink: number): number {
    let total = 0;
    for (let level = this.levels(source); level[sink] >= 0; level = this.levels(source)) {
      const next = new Array<number>(this.adjacent.length).fill(0);
      for (let pushed = this.push(source, sink, Infinity, level, next); pushed > 0; pushed = this.push(source, sink, Infinity, level, next)) total += pushed;
    }
    return total;
  }

  /** The nodes from which `sink` is reachable in the residual graph. */
  reachingSink(sink: number): Set<number> {
    const seen = new Set([sink]);
    const queue = [sink];
    for (let head = 0; head < queue.length; head++) {
      const node = queue[head];
      for (const edge of this.adjacent[node]) {
        // a residual edge edge.to -> node exists when the reverse of this edge has capacity
        const back = this.adjacent[edge.to][edge.reverse];
        if (back.capacity > 0 && !seen.has(edge.to)) {
          seen.add(edge.to);
          queue.push(edge.to);
        }
      }
    }
    return seen;
  }
}

/**
 * The nodes of a minimum cut and its cost. Of the minimum cuts it returns the
 * one closest to the sinks (each path is cut at its last node that a minimum
 * cut allows), so a graph whose sinks are already cheapest keeps them.
 */
export function minimumVertexCut(problem: CutProblem): { readonly nodes: number[]; readonly cost: number } {
  const count = problem.capacity.length;
  const source = 2 * count;
  const sink = 2 * count + 1;
  const graph = new FlowGraph(2 * count + 2);
  problem.capacity.forEach((capacity, node) => graph.add(2 * node, 2 * node + 1, capacity));
  for (const [from, to] of problem.edges) graph.add(2 * from + 1, 2 * to, Infinity);
  for (const node of problem.sources) graph.add(source, 2 * node, Infinity);
  for (const node of problem.sinks) graph.add(2 * node + 1, sink, Infinity);
  const cost = graph.maxFlow(source, sink);
  const sinkSide = graph.reachingSink(sink);
  const nodes: number[] = [];
  for (let node = 0; node < count; node++) if (!sinkSide.has(2 * node) && sinkSide.has(2 * node + 1)) nodes.push(node);
  return { nodes, cost };
}
