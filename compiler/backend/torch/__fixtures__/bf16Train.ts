// The GPT training step of examples/train/gptTrain.ts computing in bfloat16 (float32 master weights and
// AdamW state), for the torch tests: its result is bounded against the eager float32 step.
import { program } from "../../../../dsl/index.ts";
import { gptTrainStep } from "../../../../examples/train/gptTrain.ts";
import { dataLayout, dataMesh, layout2d, mesh2d } from "../../../../examples/gpt/gpt.ts";

export const gptTrain2dBf16 = program(gptTrainStep, { mesh: mesh2d, layout: layout2d, dtype: "bf16" });
export const gptTrainDataShardedBf16 = program(gptTrainStep, { mesh: dataMesh, layout: dataLayout, weightUpdateSharding: "data", dtype: "bf16" });
