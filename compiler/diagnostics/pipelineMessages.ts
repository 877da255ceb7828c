/**
 * Pipeline diagnostics: the `pipeline` option as the front end reads it
 * (MT18xx) and the stage cut (MT38xx), reported at the option or at the
 * op that stops the cut, with the fix.
 */
import type { MessageTemplate } from "./diagnostic.ts";

function entry<Args>(code: string, message: (args: Args) => string, hint: (args: Args) => string): MessageTemplate<Args> {
  return { code, message, hint };
}

/** The pipeline message table. */
export const pipelineMessages = {
  notStatic: entry<{ what: string; type: string }>(
    "MT1801",
    (a) => `Cannot read the pipeline ${a.what} of this program from its type \`${a.type}\`.`,
    () => 'Write the option as a literal: pipeline: { axis: "pipe", microbatches: 8, schedule: "1f1b" } (stages, if given, as an array of whole numbers, e.g. stages: [1, 3, 3, 1]).',
  ),
  badOption: entry<{ message: string }>(
    "MT1802",
    (a) => a.message,
    () => "The editor shows the same error at the option; fix it there (docs/pipeline.md lists what the option takes).",
  ),
  noBatch: entry<{ microbatches: string }>(
    "MT1803",
    (a) => `pipeline microbatches ${a.microbatches} needs a dim named "batch" to cut into micro-batches, and the layout's dims({...}) have none.`,
    () => 'Name the batch dim "batch" in dims({...}), or use microbatches: 1.',
  ),
  noLayerLoop: entry<{ program: string }>(
    "MT3801",
    (a) => `Program \`${a.program}\` has a pipeline option but no layer loop to cut into stages: no top-level loop reads \`layers[i]\` of a parameter.`,
    () => "Write the layers as one loop over a parameter array, `for (let i = 0; i < LAYERS; i++) x = block(x, params.layers[i])`; the stages take consecutive layers of it.",
  ),
  badCut: entry<{ stages: string; reason: string }>(
    "MT3802",
    (a) => `pipeline stages [${a.stages}] ${a.reason}.`,
    () => "Give one count of layers per device of the pipeline axis, summing to the layer count (0 for a stage of only the embedding or the head), or leave stages out for an even cut.",
  ),
  updateReadsForward: entry<{ value: string }>(
    "MT3803",
    (a) => `The optimizer update reads ${a.value}, a forward value of one micro-batch: a pipelined step runs the update once, after every micro-batch, so it can read only gradients and parameters.`,
    () => "Compute what the update needs from the gradients (valueAndGrad's grad) and the parameters, or run without the pipeline option.",
  ),
  loopSplitTwice: entry<{ stage: string }>(
    "MT3805",
    (a) => `The layer loop cannot be cut into consecutive stages: stage ${a.stage} would run two separate runs of its iterations.`,
    () => "Read params.layers[i] in loop order (i from 0 up, or from the last layer down), so each stage takes consecutive layers.",
  ),
  notModelled: entry<{ command: string; program: string }>(
    "MT9801",
    (a) => `\`meshtype ${a.command}\` does not model pipelined programs yet: \`${a.program}\` runs as stages along its pipeline axis, and its figures would be those of the same model without the pipeline.`,
    (a) => `Build and run it (meshtype build; runPipelined on the simulated mesh), or ${a.command} the same model bound without the pipeline option (its stages' layouts) meanwhile.`,
  ),
};
