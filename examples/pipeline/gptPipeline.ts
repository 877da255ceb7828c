/**
 * Example: the GPT of examples/gpt and its training step (examples/train)
 * pipelined: the layer loop cut into stages along a mesh axis `pipe`, each
 * step's batch cut into micro-batches, under GPipe or 1F1B, with and without
 * data and tensor splits inside the stages. The model is unchanged: only the
 * binding says how it runs (docs/pipeline.md).
 *
 *   gptPipe2            2 stages (a layer each), 2 micro-batches, 1F1B
 *   gptPipe4            4 stages: embedding, layer 0, layer 1, head (stages [0, 1, 1, 0]), GPipe
 *   gptPipeData         2 stages x data 2 inside each stage
 *   gptPipeMegatron     2 stages x Megatron tensor split over model 2 inside each stage
 *   gptTrainPipe...     the same for the training step (gradients averaged over the micro-batches, one AdamW update)
 */
import { layout, mesh, program } from "meshtype";
import { D, gpt } from "../gpt/gpt.ts";
import { gptTrainStep } from "../train/gptTrain.ts";

/** Two stages, one device each. */
export const pipe2 = mesh({ pipe: 2 });
export const pipe2Layout = layout(pipe2, D, "");
export const gptPipe2 = program(gpt, { mesh: pipe2, layout: pipe2Layout, pipeline: { axis: "pipe", microbatches: 2, schedule: "1f1b" } });

/** Four stages: the embedding alone, a layer each, the head alone (the uneven cut [0, 1, 1, 0]). */
export const pipe4 = mesh({ pipe: 4 });
export const pipe4Layout = layout(pipe4, D, "");
export const gptPipe4 = program(gpt, { mesh: pipe4, layout: pipe4Layout, pipeline: { axis: "pipe", microbatches: 4, schedule: "gpipe", stages: [0, 1, 1, 0] } });

/** Two stages, data parallel over 2 devices inside each. */
export const pipeData = mesh({ pipe: 2, data: 2 });
export const pipeDataLayout = layout(pipeData, D, "batch:data");
export const gptPipeData = program(gpt, { mesh: pipeData, layout: pipeDataLayout, pipeline: { axis: "pipe", microbatches: 2, schedule: "1f1b" } });

/** Two stages, Megatron tensor parallel over 2 devices inside each. */
export const pipeModel = mesh({ pipe: 2, model: 2 });
export const pipeModelLayout = layout(pipeModel, D, "heads:model, d_ff:model, vocab:model");
export const gptPipeMegatron = program(gpt, { mesh: pipeModel, layout: pipeModelLayout, pipeline: { axis: "pipe", microbatches: 2, schedule: "gpipe" } });

/** The training step over two stages, 1F1B. */
export const gptTrainPipe2 = program(gptTrainStep, { mesh: pipe2, layout: pipe2Layout, pipeline: { axis: "pipe", microbatches: 2, schedule: "1f1b" } });

/** The training step over four stages, 1F1B with 4 micro-batches. */
export const gptTrainPipe4 = program(gptTrainStep, { mesh: pipe4, layout: pipe4Layout, pipeline: { axis: "pipe", microbatches: 4, schedule: "1f1b", stages: [0, 1, 1, 0] } });

/** The training step over two stages with data parallelism inside them, GPipe. */
export const gptTrainPipeData = program(gptTrainStep, { mesh: pipeData, layout: pipeDataLayout, pipeline: { axis: "pipe", microbatches: 2, schedule: "gpipe" } });

/** The training step over two stages with the Megatron split inside them, 1F1B. */
export const gptTrainPipeMegatron = program(gptTrainStep, { mesh: pipeModel, layout: pipeModelLayout, pipeline: { axis: "pipe", microbatches: 2, schedule: "1f1b" } });
