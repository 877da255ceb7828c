/**
 * Messages about the `pipeline` option of `program(model, { mesh, layout, pipeline })`.
 * Each message exists once, as a function and a type of the same name, with the same text
 * (the type is what the editor shows, the function what a call the types did not see throws
 * and what the compiler reports at the option).
 */

/** The pipeline axis is not an axis of the mesh. */
export function writePipelineUnknownAxisMessage(axis: string): string {
  return `program(): pipeline axis "${axis}" is not an axis of the mesh. Name the mesh axis the stages run along, e.g. mesh({ pipe: 4, ... }) with pipeline: { axis: "pipe", ... }.`;
}
/** Type twin of {@link writePipelineUnknownAxisMessage}. */
export type writePipelineUnknownAxisMessage<Axis extends string> = `program(): pipeline axis "${Axis}" is not an axis of the mesh. Name the mesh axis the stages run along, e.g. mesh({ pipe: 4, ... }) with pipeline: { axis: "pipe", ... }.`;

/** The pipeline axis is also used by the layout (`dim`: the dim the layout splits over it). */
export function writePipelineAxisInLayoutMessage(axis: string, dim: string, spec: string): string {
  return `program(): pipeline axis "${axis}" is also used by the layout "${spec}" (the rule for "${dim}"). An axis either runs the stages of a pipeline or splits dims, not both: split "${dim}" over another axis, or give the pipeline an axis of its own.`;
}
/** Type twin of {@link writePipelineAxisInLayoutMessage}. */
export type writePipelineAxisInLayoutMessage<
  Axis extends string,
  Dim extends string,
  Spec extends string,
> = `program(): pipeline axis "${Axis}" is also used by the layout "${Spec}" (the rule for "${Dim}"). An axis either runs the stages of a pipeline or splits dims, not both: split "${Dim}" over another axis, or give the pipeline an axis of its own.`;

/** The micro-batch count does not divide the batch (`batch`: the size of the dim `batch`). */
export function writePipelineMicrobatchesMessage(microbatches: string, batch: string): string {
  return `program(): pipeline microbatches ${microbatches} does not divide the batch (dim "batch" of size ${batch}). Use a count that divides ${batch}, so that every micro-batch has the same rows.`;
}
/** Type twin of {@link writePipelineMicrobatchesMessage}. */
export type writePipelineMicrobatchesMessage<
  Microbatches extends string,
  Batch extends string,
> = `program(): pipeline microbatches ${Microbatches} does not divide the batch (dim "batch" of size ${Batch}). Use a count that divides ${Batch}, so that every micro-batch has the same rows.`;

/** The schedule is not one meshtype runs (a runtime check for calls the types did not see). */
export function writePipelineScheduleMessage(schedule: string): string {
  return `program(): pipeline schedule "${schedule}" is not a schedule meshtype runs. Use "gpipe" (every micro-batch's forward, then every backward) or "1f1b" (one forward, one backward: at most the stage depth in flight).`;
}

/** A bad micro-batch count: not a positive whole number. */
export function writePipelineMicrobatchCountMessage(microbatches: string): string {
  return `program(): pipeline microbatches ${microbatches} is not a positive whole number. Give the number of micro-batches each step is cut into, e.g. microbatches: 8.`;
}

/** `stages` does not cut the layers into one consecutive run per device of the axis. */
export function writePipelineStagesMessage(stages: string, reason: string): string {
  return `program(): pipeline stages [${stages}] ${reason}. Give one count of layers per stage, each a whole number (0 for a stage of only the embedding or the head), summing to the model's layer count, or leave stages out for an even cut.`;
}
