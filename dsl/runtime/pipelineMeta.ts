/**
 * What the runtime needs to run a pipelined program (`runPipelined`): the
 * full mesh and the pipeline axis, the micro-batching, and per stage the
 * metadata of each part program (on the stage's sub-mesh) with its sends
 * and receives; the compiler makes it (`pipelinedMeta` in
 * compiler/passes/stages/) and emits it beside the part programs.
 */
import type { Dim } from "../tensor.ts";
import type { ProgramMeta } from "./programMeta.ts";

/** A part of a stage's work: per micro-batch forward or backward, or the one update. */
export type PipelinePhase = "forward" | "backward" | "update";

/** One part program of a stage and the values it exchanges with other stages (tags `v<id>`, per micro-batch). */
export interface PipelinePartMeta {
  readonly phase: PipelinePhase;
  /** The part program's meta: the pipeline axis at size 1, params `inputs`/`recv`/`saved`/`accumulated`, result fields `out`/`send`/`saved`/`accumulate`. */
  readonly meta: ProgramMeta;
  /** What it receives first, in order: tag and the sending stage. */
  readonly recv: readonly { readonly tag: string; readonly from: number }[];
  /** What it sends after it runs: tag and the receiving stage. */
  readonly send: readonly { readonly tag: string; readonly to: number }[];
}

/** How a result leaf comes from its part's outputs: micro-batches concatenated along `batch`, averaged, or the one value. */
export type PipelineCombine = "concat" | "mean" | "once";

/** The program's result tree, each leaf naming the stage and part that computes it (`out.<key>`). */
export type PipelineResultTree =
  | {
      readonly kind: "leaf";
      readonly key: string;
      readonly stage: number;
      readonly phase: PipelinePhase;
      readonly combine: PipelineCombine;
    }
  | { readonly kind: "object"; readonly fields: Readonly<Record<string, PipelineResultTree>> }
  | { readonly kind: "array"; readonly items: readonly PipelineResultTree[] };

/** The metadata of a pipelined program. */
export interface PipelinedMeta {
  readonly name: string;
  /** The whole mesh, the pipeline axis included. */
  readonly mesh: Readonly<Record<string, number>>;
  readonly axis: string;
  readonly microbatches: number;
  readonly schedule: "gpipe" | "1f1b";
  /** The layers of each stage. */
  readonly cut: readonly number[];
  /** The model's parameter names, in order (the positional arguments). */
  readonly paramNames: readonly string[];
  /** Every parameter leaf by path (`params.layers.0.mlp.up.w`, `ids`), global dims at full batch; leaf k is `inputs.p<k>` of a part. */
  readonly inputs: readonly { readonly path: string; readonly dims: readonly Dim[] }[];
  readonly result: PipelineResultTree;
  /** Per stage (index = coordinate on `axis`), its parts in phase order. */
  readonly stages: readonly (readonly PipelinePartMeta[])[];
}
