/**
 * Finding the layer loops of a program and cutting them at stage
 * boundaries. A layer loop is a top-level loop whose every iteration reads
 * one layer: an indexed item that is a parameter `...layers.<n>...`, or an
 * item another layer loop yielded for layer n (a training step's reverse
 * loop reads the forward's yields, from the last layer down; an optimizer's
 * loop reads the parameters and the reverse loop's gradients). Each such
 * loop becomes one loop per run of consecutive iterations on one stage.
 */
import type { Block, Loop, Op, Program, Value, ValueId } from "../../ir/ir.ts";
import { isLoop, loopYields } from "../../ir/opAttrs.ts";

const layerPath = /(?:^|\.)layers\.(\d+)(?:\.|$)/;

/** The layer index of every param leaf under `...layers.<n>`, and the layer count (largest index + 1, 0 without any). */
export function paramLayers(program: Program): { layerOf: Map<ValueId, number>; layers: number } {
  const layerOf = new Map<ValueId, number>();
  let layers = 0;
  for (const statement of program.body) {
    if (isLoop(statement) || statement.op !== "param") continue;
    const match = layerPath.exec(statement.path);
    if (match === null) continue;
    const layer = Number(match[1]);
    layerOf.set(statement.output, layer);
    layers = Math.max(layers, layer + 1);
  }
  return { layerOf, layers };
}

/** The layer of each iteration of `loop`, or undefined when some iteration reads no known layer. */
export function iterationLayers(loop: Loop, layerOf: ReadonlyMap<ValueId, number>): number[] | undefined {
  const layers: number[] = [];
  for (let k = 0; k < loop.count; k++) {
    let layer: number | undefined;
    for (const entry of loop.indexed) {
      layer = layerOf.get(entry.items[k]);
      if (layer !== undefined) break;
    }
    if (layer === undefined) return undefined;
    layers.push(layer);
  }
  return layers;
}

/** The values a loop body reads from outside it (nested loops included). */
export function freeValues(loop: Loop): ValueId[] {
  const defined = new Set<ValueId>();
  const used: ValueId[] = [];
  const seen = new Set<ValueId>();
  const use = (id: ValueId): void => {
    if (!defined.has(id) && !seen.has(id)) {
      seen.add(id);
      used.push(id);
    }
  };
  const walk = (inner: Loop): void => {
    for (const entry of inner.carried) defined.add(entry.param);
    for (const entry of inner.indexed) defined.add(entry.param);
    block(inner.body);
    for (const entry of inner.carried) use(entry.result);
    for (const entry of loopYields(inner)) use(entry.result);
  };
  const block = (statements: Block): void => {
    for (const statement of statements) {
      if (isLoop(statement)) {
        for (const entry of statement.carried) use(entry.init);
        for (const entry of statement.indexed) entry.items.forEach(use);
        walk(statement);
        for (const entry of statement.carried) defined.add(entry.output);
        for (const entry of loopYields(statement)) entry.items.forEach((item) => defined.add(item));
      } else {
        (statement as Op).inputs.forEach(use);
        defined.add(statement.output);
      }
    }
  };
  walk(loop);
  return used;
}

/** One run of consecutive iterations of a layer loop on one stage. */
export interface LoopPiece {
  readonly loop: Loop;
  readonly stage: number;
}

/**
 * Cut `loop` into pieces of consecutive iterations on one stage
 * (`stageOf[k]` for iteration k). Carried values between pieces get fresh
 * ids, added to `values` (`nextId` gives them).
 */
export function cutLoop(loop: Loop, stageOf: readonly number[], values: Map<ValueId, Value>, nextId: () => ValueId): LoopPiece[] {
  const pieces: LoopPiece[] = [];
  let start = 0;
  let inits = loop.carried.map((entry) => entry.init);
  while (start < loop.count) {
    let stop = start + 1;
    while (stop < loop.count && stageOf[stop] === stageOf[start]) stop++;
    const last = stop === loop.count;
    const outputs = loop.carried.map((entry) => {
      if (last) return entry.output;
      const id = nextId();
      const original = values.get(entry.output);
      if (original === undefined) throw new Error(`stages: loop output %${entry.output} has no value`);
      values.set(id, { ...original, id });
      return id;
    });
    const yields = loop.yields?.map((entry) => ({ result: entry.result, items: entry.items.slice(start, stop) }));
    const piece: Loop = {
      ...loop,
      count: stop - start,
      carried: loop.carried.map((entry, index) => ({ ...entry, init: inits[index], output: outputs[index] })),
      indexed: loop.indexed.map((entry) => ({ ...entry, items: entry.items.slice(start, stop) })),
      ...(yields === undefined ? {} : { yields }),
    };
    pieces.push({ loop: piece, stage: stageOf[start] });
    inits = outputs;
    start = stop;
  }
  return pieces;
}

/**
 * The layers of each stage: `given` when the binding gives them, else an
 * even cut of `layers` over `stages` (the first stages one more when they
 * do not divide).
 */
export function stageCut(layers: number, stages: number, given: readonly number[] | undefined): number[] {
  if (given !== undefined) return [...given];
  return Array.from({ length: stages }, (_, stage) => Math.floor(layers / stages) + (stage < layers % stages ? 1 : 0));
}

/** The stage of each layer under `cut`. */
export function layerStages(cut: readonly number[]): number[] {
  return cut.flatMap((count, stage) => Array.from({ length: count }, () => stage));
}
