/**
 * What `meshtype build` writes for a pipelined program beside its parts'
 * device functions: `<name>Pipeline` (the `PipelinedMeta` that
 * `runPipelined` reads) and `<name>Stages` (each stage's part functions).
 */
import { writeLiteral } from "../../backend/ts/literal.ts";
import { pipelinedMeta } from "./pipelinedMeta.ts";
import type { StagedProgram } from "./stagedProgram.ts";

/** The pipeline tables of `staged`, as module text (after the part functions). */
export function emitPipelineTables(staged: StagedProgram): string {
  const stages = Array.from({ length: staged.cut.length }, (_, stage) => {
    const parts = staged.parts.filter((part) => part.stage === stage).map((part) => `${part.phase}: ${part.program.name}`);
    return `  { ${parts.join(", ")} },`;
  });
  return (
    `\n/** \`${staged.name}\` as a pipeline over "${staged.pipeline.axis}" (stages of [${staged.cut.join(", ")}] layers, ${staged.pipeline.microbatches} micro-batches, ${staged.pipeline.schedule}): run with runPipelined(${staged.name}Stages, ${staged.name}Pipeline, ...args). */\n` +
    `export const ${staged.name}Pipeline = ${writeLiteral(pipelinedMeta(staged))} as const;\n` +
    `\n/** The device function of each part of each stage of \`${staged.name}\`. */\n` +
    `export const ${staged.name}Stages = [\n${stages.join("\n")}\n];\n`
  );
}
