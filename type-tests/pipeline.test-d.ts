/**
 * Type tests for the `pipeline` option of program(model, { mesh, layout, pipeline }):
 * tsc rejects an axis the mesh lacks, an axis the layout also uses, and a
 * micro-batch count that does not divide the batch, with the messages pinned.
 */
import { expectError, expectType } from "tsd";
import { dims, layout, mesh, program, type Tensor, type ValidatePipeline } from "meshtype";

const D = dims({ batch: 8, seq: 4, d_model: 16 });
const M = mesh({ pipe: 2, data: 2 });
const L = layout(M, D, "batch:data");
type Axes = typeof M.sizes;
type Sizes = typeof D.sizes;
type Spec = typeof L.spec;

declare function model(x: Tensor<"batch seq d_model">, params: { layers: readonly Tensor<"d_model">[] }): Tensor<"batch seq d_model">;

// Good: an axis of its own, a count that divides the batch, either schedule, an uneven cut.
program(model, { mesh: M, layout: L, pipeline: { axis: "pipe", microbatches: 4, schedule: "1f1b" } });
program(model, { mesh: M, layout: L, pipeline: { axis: "pipe", microbatches: 8, schedule: "gpipe", stages: [1, 3] } });

// Bad: an axis the mesh does not have.
expectError(program(model, { mesh: M, layout: L, pipeline: { axis: "pip", microbatches: 4, schedule: "1f1b" } }));
expectType<'program(): pipeline axis "pip" is not an axis of the mesh. Name the mesh axis the stages run along, e.g. mesh({ pipe: 4, ... }) with pipeline: { axis: "pipe", ... }.'>(
  null as unknown as ValidatePipeline<{ axis: "pip"; microbatches: 4; schedule: "1f1b" }, Axes, Sizes, Spec>["axis"],
);

// Bad: the layout splits a dim over the pipeline axis.
const LP = layout(M, D, "batch:pipe");
expectError(program(model, { mesh: M, layout: LP, pipeline: { axis: "pipe", microbatches: 4, schedule: "1f1b" } }));
expectType<'program(): pipeline axis "pipe" is also used by the layout "batch:pipe" (the rule for "batch"). An axis either runs the stages of a pipeline or splits dims, not both: split "batch" over another axis, or give the pipeline an axis of its own.'>(
  null as unknown as ValidatePipeline<{ axis: "pipe"; microbatches: 4; schedule: "1f1b" }, Axes, Sizes, "batch:pipe">["axis"],
);

// Bad: 3 micro-batches of a batch of 8.
expectError(program(model, { mesh: M, layout: L, pipeline: { axis: "pipe", microbatches: 3, schedule: "1f1b" } }));
expectType<'program(): pipeline microbatches 3 does not divide the batch (dim "batch" of size 8). Use a count that divides 8, so that every micro-batch has the same rows.'>(
  null as unknown as ValidatePipeline<{ axis: "pipe"; microbatches: 3; schedule: "1f1b" }, Axes, Sizes, Spec>["microbatches"],
);

// Bad: a schedule meshtype does not run.
expectError(program(model, { mesh: M, layout: L, pipeline: { axis: "pipe", microbatches: 4, schedule: "interleaved" } }));
