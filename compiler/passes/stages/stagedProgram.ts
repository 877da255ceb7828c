/**
 * The IR of a pipelined program: the model's layer loop cut into stages
 * along one mesh axis, each stage's work in up to three parts (the forward
 * of one micro-batch, its backward, the one optimizer update), each part an
 * ordinary `Program` on the stage's sub-mesh, and every value that crosses
 * from one stage to another an explicit point-to-point `Transfer` (a send in
 * the producing part, a receive in the consuming one).
 *
 * A part's program has these params (each an object of tensors, present
 * when not empty): `inputs` (`p<k>`: leaf k of the original program's params,
 * see `StagedProgram.inputs`), `recv` (`v<id>`: received values), `saved`
 * (`v<id>`: what this stage's forward kept for its backward, per
 * micro-batch) and `accumulated` (`v<id>`: a backward value summed over the
 * micro-batches and averaged, the gradients the update reads). Its result is
 * an object with the same kind of fields: `out` (`r<k>`: leaf k of the
 * program's result), `send`, `saved`, `accumulate`.
 */
import type { PipelineSpec, Program, SourceLoc, ValueId } from "../../ir/ir.ts";
import type { Dim } from "../../../dsl/tensor.ts";

/** Which part of a stage's work: per micro-batch forward and backward, then one update. */
export type StagePhase = "forward" | "backward" | "update";

/** The phases in the order a stage runs them. */
export const stagePhases: readonly StagePhase[] = ["forward", "backward", "update"];

/** One stage's part. */
export interface StagePartRef {
  readonly stage: number;
  readonly phase: StagePhase;
}

/** A value sent from one stage's part to another stage's part (its tag is `v<id>`, per micro-batch). */
export interface Transfer {
  readonly value: ValueId;
  readonly tag: string;
  readonly from: StagePartRef;
  readonly to: StagePartRef;
  /** The value's global dims (at micro-batch size). */
  readonly dims: readonly Dim[];
}

/** One part of one stage: its program and its point-to-point traffic. */
export interface StagePart extends StagePartRef {
  /** On the stage's sub-mesh: the pipeline axis at size 1, the other axes as the program's mesh has them. */
  readonly program: Program;
  /** What this part receives, in program order. */
  readonly recv: readonly Transfer[];
  /** What this part sends, in program order. */
  readonly send: readonly Transfer[];
}

/** How a result leaf is made from its part's outputs. */
export type ResultCombine =
  /** Per micro-batch, with the dim `batch`: the micro-batches' blocks concatenated. */
  | "concat"
  /** Per micro-batch, without `batch` (a loss): the mean over the micro-batches. */
  | "mean"
  /** Once (an update, or a value that does not depend on the micro-batch). */
  | "once";

/** One leaf of the program's result: where it is computed and how it is combined. */
export interface ResultLeaf {
  /** `r<k>`, its field in the part's `out`. */
  readonly key: string;
  /** The leaf's path in the result (`params.layers.0.mlp.up.w`, `loss`), for messages. */
  readonly path: string;
  readonly from: StagePartRef;
  readonly combine: ResultCombine;
}

/** A program cut into stages. */
export interface StagedProgram {
  readonly name: string;
  readonly loc: SourceLoc;
  readonly pipeline: PipelineSpec;
  /** The layers of each stage (consecutive, summing to the layer loop's count). */
  readonly cut: readonly number[];
  /** Every part, by stage then phase; a stage without work in a phase has no part for it. */
  readonly parts: readonly StagePart[];
  /** The original program's param leaves, by path; leaf k is `inputs.p<k>` in a part. */
  readonly inputs: readonly { readonly path: string; readonly dims: readonly Dim[] }[];
  /** The result leaves, in the order of the original result tree. */
  readonly result: readonly ResultLeaf[];
  /** The original program (global, at full batch), whose param and result trees the runtime rebuilds. */
  readonly global: Program;
}

/** The name of a part's program: `gptPipe.s1.forward`. */
export function partName(program: string, ref: StagePartRef): string {
  return `${program}_s${ref.stage}_${ref.phase}`;
}
