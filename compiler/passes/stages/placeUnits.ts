/**
 * Placing a program's top-level statements (units) on stages and phases.
 * A unit is a top-level op, a loop, or a piece of a layer loop. Units that
 * depend on no layer (params, constants, what is computed from them alone:
 * the embedding of the ids, a causal mask) are floating: every part that
 * reads them computes them itself. A layer loop's piece runs on the stage of
 * its layers; any other unit on the latest stage among its inputs. Its
 * phase is autodiff's: forward ops run per micro-batch in the forward,
 * backward ops in the backward, and the ops autodiff did not mark (the
 * optimizer) in the update when they read a backward value.
 */
import { fail } from "../../diagnostics/diagnostic.ts";
import { pipelineMessages } from "../../diagnostics/pipelineMessages.ts";
import type { Loop, Op, Program, SourceLoc, Value, ValueId } from "../../ir/ir.ts";
import { isLoop, loopOutputs, walkOps } from "../../ir/opAttrs.ts";
import { cutLoop, freeValues, iterationLayers, layerStages, paramLayers, stageCut } from "./layerLoops.ts";
import type { StagePartRef, StagePhase } from "./stagedProgram.ts";
import { stageCutProblem } from "../../../dsl/pipelineOption.ts";

/** One top-level statement, placed. */
export interface Unit {
  readonly statement: Op | Loop;
  /** Values it reads from outside itself. */
  readonly inputs: readonly ValueId[];
  /** Values it defines in the top-level block. */
  readonly outputs: readonly ValueId[];
  /** Undefined for a floating unit. */
  readonly place?: StagePartRef;
}

/** The units of a program in order, the layer cut, and the values (with the fresh ids of cut loops). */
export interface Placement {
  readonly units: readonly Unit[];
  readonly cut: readonly number[];
  readonly values: ReadonlyMap<ValueId, Value>;
  /** Where each non-floating value is defined. */
  readonly placeOf: ReadonlyMap<ValueId, StagePartRef>;
}

function loopPhase(loop: Loop): StagePhase | undefined {
  for (const op of walkOps(loop.body)) {
    if (op.phase === "backward" || op.phase === "recompute") return "backward";
    if (op.phase === "forward") return "forward";
  }
  return undefined;
}

function markedPhase(statement: Op | Loop): StagePhase | undefined {
  if (isLoop(statement)) return loopPhase(statement);
  if (statement.phase === "backward" || statement.phase === "recompute") return "backward";
  return statement.phase === "forward" ? "forward" : undefined;
}

function inputsOf(statement: Op | Loop): ValueId[] {
  if (!isLoop(statement)) return [...statement.inputs];
  return [...statement.carried.map((entry) => entry.init), ...statement.indexed.flatMap((entry) => entry.items), ...freeValues(statement)];
}

function outputsOf(statement: Op | Loop): ValueId[] {
  return isLoop(statement) ? loopOutputs(statement) : [statement.output];
}

/** Place every unit of `program` (a global program with a pipeline option) on `stages` stages. */
export function placeUnits(program: Program, stages: number, at: SourceLoc): Placement {
  const spec = program.pipeline;
  if (spec === undefined) throw new Error(`stages: program "${program.name}" has no pipeline option`);
  const { layerOf, layers } = paramLayers(program);
  if (spec.stages !== undefined) {
    const reason = stageCutProblem(spec.stages, stages, layers);
    if (reason !== undefined) fail(pipelineMessages.badCut, { stages: spec.stages.join(", "), reason }, at);
  }
  const cut = stageCut(layers, stages, spec.stages);
  const stageOfLayer = layerStages(cut);
  const values = new Map(program.values);
  let next = Math.max(...values.keys()) + 1;
  const nextId = (): ValueId => next++;
  const layerOfValue = new Map(layerOf);
  const statements: { statement: Op | Loop; stage?: number }[] = [];
  let layerLoops = 0;
  for (const statement of program.body) {
    const iterations = isLoop(statement) && layers > 0 ? iterationLayers(statement, layerOfValue) : undefined;
    if (!isLoop(statement) || iterations === undefined) {
      statements.push({ statement });
      continue;
    }
    layerLoops++;
    for (const entry of statement.yields ?? []) entry.items.forEach((item, k) => layerOfValue.set(item, iterations[k]));
    const pieces = cutLoop(statement, iterations.map((layer) => stageOfLayer[layer]), values, nextId);
    const seen = new Set<number>();
    for (const piece of pieces) {
      if (seen.has(piece.stage)) fail(pipelineMessages.loopSplitTwice, { stage: String(piece.stage) }, statement.loc);
      seen.add(piece.stage);
      statements.push({ statement: piece.loop, stage: piece.stage });
    }
  }
  if (layerLoops === 0) fail(pipelineMessages.noLayerLoop, { program: program.name }, at);
  const placeOf = new Map<ValueId, StagePartRef>();
  const last = stages - 1;
  const seenLoop: Record<StagePhase, boolean> = { forward: false, backward: false, update: false };
  const hasBatch = (id: ValueId): boolean => (values.get(id)?.dims ?? []).some((dim) => dim.name === "batch");
  const units: Unit[] = statements.map(({ statement, stage }) => {
    const inputs = inputsOf(statement);
    const outputs = outputsOf(statement);
    const placedInputs = inputs.flatMap((id) => {
      const place = placeOf.get(id);
      return place === undefined ? [] : [{ id, place }];
    });
    const isParam = !isLoop(statement) && statement.op === "param";
    // a value of no stage and no micro-batch (a constant, a mask, a weight's transpose): every part that reads it computes it
    if (stage === undefined && placedInputs.length === 0 && (isParam || !outputs.some(hasBatch))) return { statement, inputs, outputs };
    const marked = markedPhase(statement);
    const phase: StagePhase = marked ?? (placedInputs.some((input) => input.place.phase !== "forward") ? "update" : "forward");
    if (phase === "update") {
      const forward = placedInputs.find((input) => input.place.phase === "forward");
      if (forward !== undefined) {
        const hint = values.get(forward.id)?.hint;
        fail(pipelineMessages.updateReadsForward, { value: hint === undefined ? `%${forward.id}` : `\`${hint}\`` }, statement.loc);
      }
    }
    // stage 0 runs what precedes the layers (the embedding) and what follows their backward; the last stage the head, the loss and its backward
    let at: number;
    if (stage !== undefined) at = stage;
    else if (phase === "forward") at = seenLoop.forward ? last : 0;
    else if (phase === "backward") at = seenLoop.backward ? 0 : last;
    else at = Math.max(0, ...placedInputs.map((input) => input.place.stage));
    if (stage !== undefined) seenLoop[phase] = true;
    const place: StagePartRef = { stage: at, phase };
    for (const id of outputs) placeOf.set(id, place);
    return { statement, inputs, outputs, place };
  });
  return { units, cut, values, placeOf };
}
