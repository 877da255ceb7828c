/**
 * The `pipeline` option of `program(model, { mesh, layout, pipeline })`:
 * the model's layer loop (the `for` over `params.layers`) cut into stages
 * along one mesh axis, each step's batch cut into micro-batches, run under a
 * schedule. The types check it as they check layouts (`ValidatePipeline`);
 * `checkPipelineOption` checks a call the types did not see.
 */
import { MeshtypeError } from "./errors.ts";
import type { Layout } from "./layout.ts";
import {
  writePipelineAxisInLayoutMessage,
  writePipelineMicrobatchCountMessage,
  writePipelineMicrobatchesMessage,
  writePipelineScheduleMessage,
  writePipelineStagesMessage,
  writePipelineUnknownAxisMessage,
} from "./messages/pipeline.ts";
import type { ParseLayout, RuleTuple } from "./parseLayout.ts";
import type { Divides } from "./types/divisible.ts";

/**
 * How micro-batches flow through the stages. `"gpipe"` (Huang et al. 2019):
 * every micro-batch's forward, then every backward, so each stage keeps the
 * activations of all of them. `"1f1b"` (PipeDream-Flush, Narayanan et al.
 * 2021): after a warm-up of `stages - 1 - stage` forwards, one forward and one
 * backward alternate, so a stage keeps at most the stage depth in flight.
 * The results are the same; a forward-only program runs every forward in order under either.
 */
export type PipelineSchedule = "gpipe" | "1f1b";

/** The schedules, as a list. */
export const pipelineSchedules: readonly PipelineSchedule[] = ["gpipe", "1f1b"];

/**
 * The `pipeline` option. `axis` is the mesh axis the stages run along (one
 * stage per device of it; the layout may not use it); `microbatches` cuts the
 * dim named `batch` into that many equal micro-batches; `stages`, when given,
 * is the number of layers of each stage (consecutive, summing to the layer
 * count; 0 for a stage of only the embedding or only the head), else the
 * layers are cut evenly (the first stages take one more when they do not
 * divide). Stage 0 also runs what precedes the layer loop, the last stage
 * what follows it; a training step's gradients are summed over the
 * micro-batches (averaged: its loss must be a mean over the batch) before the
 * one optimizer update.
 *
 * @example
 * const M = mesh({ pipe: 4, data: 2 });
 * export const gptPipe = program(gpt, { mesh: M, layout: layout(M, D, "batch:data"), pipeline: { axis: "pipe", microbatches: 4, schedule: "1f1b" } });
 */
export interface PipelineOption<Axis extends string = string> {
  readonly axis: Axis;
  readonly microbatches: number;
  readonly schedule: PipelineSchedule;
  readonly stages?: readonly number[];
}

/** The first rule of `Rules` that puts a dim on `Axis`, or `never`. */
type RuleOn<Spec extends string, Axis extends string> =
  ParseLayout<Spec> extends infer Rules extends RuleTuple[] ? Extract<Rules[number], [string, Axis, boolean]> : never;

/** `P` with field `Key`'s type replaced by `Message` (the editor then underlines that field with it). */
type WithMessage<P, Key extends string, Message extends string> = Omit<P, Key> & { readonly [K in Key]: Message };

/** The micro-batch check: `P` when the count divides the batch's size (or the types do not see the size). */
type CheckMicrobatches<P extends PipelineOption, Sizes extends Record<string, number>> = "batch" extends keyof Sizes
  ? number extends Sizes["batch"]
    ? P
    : number extends P["microbatches"]
      ? P
      : Divides<P["microbatches"], Sizes["batch"]> extends true
        ? P
        : WithMessage<P, "microbatches", writePipelineMicrobatchesMessage<`${P["microbatches"]}`, `${Sizes["batch"]}`>>
  : P;

/**
 * `P` when the pipeline option is valid for the mesh axes, dim sizes and layout
 * string, else `P` with the bad field's type replaced by the message: the axis
 * is not the mesh's, the layout also uses the axis, the micro-batch count does
 * not divide the size of `batch` (where the types see it).
 *
 * @example
 * type Bad = ValidatePipeline<{ axis: "pipe"; microbatches: 3; schedule: "gpipe" }, { pipe: 2 }, { batch: 8 }, "">;
 * // microbatches: "program(): pipeline microbatches 3 does not divide the batch ..."
 */
export type ValidatePipeline<
  P extends PipelineOption,
  Axes extends Record<string, number>,
  Sizes extends Record<string, number>,
  Spec extends string,
> = P["axis"] extends Extract<keyof Axes, string>
  ? [RuleOn<Spec, P["axis"]>] extends [never]
    ? CheckMicrobatches<P, Sizes>
    : RuleOn<Spec, P["axis"]> extends [infer Dim extends string, string, boolean]
      ? WithMessage<P, "axis", writePipelineAxisInLayoutMessage<P["axis"], Dim, Spec>>
      : P
  : WithMessage<P, "axis", writePipelineUnknownAxisMessage<P["axis"]>>;

/** The option as the program keeps it: the checked fields. */
export interface PipelineBinding {
  readonly axis: string;
  readonly microbatches: number;
  readonly schedule: PipelineSchedule;
  readonly stages?: readonly number[];
}

/**
 * Check a pipeline option against the layout (its mesh, dims and rules), for
 * calls the types did not see; returns the checked option.
 * Throws a `MeshtypeError` with the editor's message.
 */
export function checkPipelineOption(option: PipelineOption, layout: Layout): PipelineBinding {
  const { axis, microbatches, schedule, stages } = option;
  if (!layout.mesh.axes.some((entry) => entry.name === axis)) {
    throw new MeshtypeError("program-pipeline-axis", writePipelineUnknownAxisMessage(String(axis)));
  }
  const rule = layout.rules.find((entry) => entry.axis === axis);
  if (rule !== undefined) throw new MeshtypeError("program-pipeline-axis", writePipelineAxisInLayoutMessage(axis, rule.dim, layout.spec));
  if (!Number.isInteger(microbatches) || microbatches < 1) {
    throw new MeshtypeError("program-pipeline-microbatches", writePipelineMicrobatchCountMessage(String(microbatches)));
  }
  const batch: number | undefined = layout.dims.sizes.batch;
  if (batch !== undefined && batch % microbatches !== 0) {
    throw new MeshtypeError("program-pipeline-microbatches", writePipelineMicrobatchesMessage(String(microbatches), String(batch)));
  }
  if (!pipelineSchedules.includes(schedule)) throw new MeshtypeError("program-pipeline-schedule", writePipelineScheduleMessage(String(schedule)));
  if (stages !== undefined) {
    const size = layout.mesh.axisSize(axis);
    const reason = stageCutProblem(stages, size);
    if (reason !== undefined) throw new MeshtypeError("program-pipeline-stages", writePipelineStagesMessage(stages.join(", "), reason));
  }
  return { axis, microbatches, schedule, ...(stages === undefined ? {} : { stages: [...stages] }) };
}

/**
 * What is wrong with a stage cut for an axis of `size` devices (without the
 * layer count, which only the compiler knows), or undefined.
 */
export function stageCutProblem(stages: readonly number[], size: number, layers?: number): string | undefined {
  if (stages.length !== size) return `has ${stages.length} ${stages.length === 1 ? "entry" : "entries"}, but the pipeline axis has ${size} devices (one stage each)`;
  const bad = stages.find((count) => !Number.isInteger(count) || count < 0);
  if (bad !== undefined) return `has ${bad}, which is not a count of layers`;
  const total = stages.reduce((sum, count) => sum + count, 0);
  if (layers !== undefined && total !== layers) return `sums to ${total}, but the model's layer loop has ${layers} layers`;
  return undefined;
}
