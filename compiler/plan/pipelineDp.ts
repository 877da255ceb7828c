/**
 * Alpa's dynamic program over stage cuts (Zheng et al., "Alpa: Automating
 * Inter- and Intra-Operator Parallelism for Distributed Deep Learning",
 * OSDI'22, section 5.2): the layers 0..L-1 are cut into S consecutive
 * stages; a pipeline of M micro-batches takes
 *
 *     T = sum over stages of t_s  +  (M - 1) * max over stages of t_s
 *
 * (t_s: stage s's forward and backward of one micro-batch). For each
 * candidate bound t_max on the slowest stage, the program finds the cut that
 * minimizes the sum with every stage at most t_max and within the device's
 * memory, F(i, l) = min over k of F(i - 1, l - k) + t(i, l - k, k), and T is
 * the best of F(S, L) + (M - 1) t_max over the bounds. As in Alpa, the
 * bounds are the distinct stage latencies, tried in increasing order from
 * the smallest feasible one (found by bisection: feasibility only grows with
 * the bound), and the enumeration stops once (M - 1) t_max plus a lower bound
 * on the sum cannot beat the best T found.
 *
 * The stage cost is a function of (stage index, first layer, layer count),
 * so the program is exact for any per-layer costs; the planner's stage costs
 * come from per-layer costs of one intra-op plan (the layers of a loop are
 * identical, Alpa's layer clustering), so no stage is planned more than once
 * per sub-mesh (pipelineCosts.ts). Memory depends on the stage index: under
 * 1F1B stage i holds min(S - i, M) micro-batches' activations, under GPipe M.
 */

/** What one stage costs when it runs `count` layers from `first`. */
export interface StageEstimate {
  /** Forward and backward of one micro-batch, seconds. */
  readonly seconds: number;
  /** Peak bytes per device with its in-flight activations. */
  readonly bytes: number;
}

/** The problem: L layers into S stages, M micro-batches, each stage's cost. */
export interface StageCutProblem {
  readonly layers: number;
  readonly stages: number;
  readonly microbatches: number;
  /** The cost of stage `stage` running layers first .. first + count - 1. */
  readonly stageCost: (stage: number, first: number, count: number) => StageEstimate;
  /** Bytes per device a stage may use. */
  readonly memoryBytes: number;
  /** A lower bound on the sum of the stages' latencies over any cut (default 0; tighter bounds stop the enumeration sooner). */
  readonly sumLowerBound?: number;
}

/** The best cut found. */
export interface StageCut {
  /** Layers per stage, in order (sum: the layer count). */
  readonly layersPerStage: readonly number[];
  /** Alpa's T (the formula above), seconds. */
  readonly seconds: number;
  /** The slowest stage's latency. */
  readonly maxStageSeconds: number;
  /** Bounds the program was run for. */
  readonly boundsTried: number;
}

interface Table {
  readonly sum: Float64Array;
  readonly choice: Int32Array;
}

/** F for one bound: F(i, l) over stages 0..i-1 taking layers 0..l-1, each stage's latency at most `bound`. */
function run(problem: StageCutProblem, bound: number, cache: Map<number, StageEstimate>): Table {
  const { layers, stages } = problem;
  const width = layers + 1;
  const sum = new Float64Array((stages + 1) * width).fill(Infinity);
  const choice = new Int32Array((stages + 1) * width).fill(-1);
  sum[0] = 0;
  for (let stage = 0; stage < stages; stage++) {
    // stage `stage` needs at least one layer, and the later stages one each
    const most = layers - (stages - stage - 1);
    for (let before = stage; before < most; before++) {
      const base = sum[stage * width + before];
      if (base === Infinity) continue;
      for (let count = 1; before + count <= most; count++) {
        const cacheKey = (stage * width + before) * width + count;
        let cost = cache.get(cacheKey);
        if (cost === undefined) {
          cost = problem.stageCost(stage, before, count);
          cache.set(cacheKey, cost);
        }
        if (cost.seconds > bound || cost.bytes > problem.memoryBytes) continue;
        const at = (stage + 1) * width + before + count;
        if (base + cost.seconds < sum[at]) {
          sum[at] = base + cost.seconds;
          choice[at] = count;
        }
      }
    }
  }
  return { sum, choice };
}

function cutOf(problem: StageCutProblem, table: Table): number[] {
  const width = problem.layers + 1;
  const cut: number[] = [];
  for (let stage = problem.stages, layer = problem.layers; stage > 0; stage--) {
    const count = table.choice[stage * width + layer];
    cut.unshift(count);
    layer -= count;
  }
  return cut;
}

/**
 * The best stage cut of `problem` (see the module comment), or undefined
 * when no cut fits in memory (or there are more stages than layers). Exact
 * for any stage costs: O(S L^2) stage costs, and as much work per bound tried.
 */
export function bestStageCut(problem: StageCutProblem): StageCut | undefined {
  const { layers, stages, microbatches } = problem;
  if (stages < 1 || stages > layers) return undefined;
  const cache = new Map<number, StageEstimate>();
  // the candidate bounds: every stage latency a cut can have
  const latencies = new Set<number>();
  for (let stage = 0; stage < stages; stage++) {
    for (let first = stage; first < layers - (stages - stage - 1); first++) {
      for (let count = 1; first + count <= layers - (stages - stage - 1); count++) {
        const cost = problem.stageCost(stage, first, count);
        cache.set((stage * (layers + 1) + first) * (layers + 1) + count, cost);
        if (cost.bytes <= problem.memoryBytes) latencies.add(cost.seconds);
      }
    }
  }
  const bounds = [...latencies].sort((first, second) => first - second);
  const width = layers + 1;
  const feasible = (bound: number): Table | undefined => {
    const table = run(problem, bound, cache);
    return table.sum[stages * width + layers] === Infinity ? undefined : table;
  };
  if (bounds.length === 0 || feasible(bounds[bounds.length - 1]) === undefined) return undefined;
  let low = 0;
  let high = bounds.length - 1;
  let tried = 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    tried++;
    if (feasible(bounds[middle]) !== undefined) high = middle;
    else low = middle + 1;
  }
  let best: StageCut | undefined;
  const lower = problem.sumLowerBound ?? 0;
  for (let index = low; index < bounds.length; index++) {
    const bound = bounds[index];
    if (best !== undefined && lower + (microbatches - 1) * bound >= best.seconds) break;
    tried++;
    const table = feasible(bound);
    if (table === undefined) continue;
    const total = table.sum[stages * width + layers] + (microbatches - 1) * bound;
    if (best === undefined || total < best.seconds) {
      const layersPerStage = cutOf(problem, table);
      let slowest = 0;
      let first = 0;
      layersPerStage.forEach((count, stage) => {
        slowest = Math.max(slowest, (cache.get((stage * width + first) * width + count) as StageEstimate).seconds);
        first += count;
      });
      best = { layersPerStage, seconds: table.sum[stages * width + layers] + (microbatches - 1) * slowest, maxStageSeconds: slowest, boundsTried: tried };
    }
  }
  return best === undefined ? undefined : { ...best, boundsTried: tried };
}
