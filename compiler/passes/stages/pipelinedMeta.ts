/**
 * The runtime's `PipelinedMeta` of a compiled `StagedProgram`.
 */
import type { PipelinedMeta, PipelineResultTree } from "../../../dsl/runtime/pipelineMeta.ts";
import type { ValueTree } from "../../ir/ir.ts";
import { programMeta } from "../../backend/ts/meta.ts";
import type { StagedProgram } from "./stagedProgram.ts";

/** The metadata `runPipelined` reads, from a staged program whose parts are lowered. */
export function pipelinedMeta(staged: StagedProgram): PipelinedMeta {
  const global = staged.global;
  const stageCount = staged.cut.length;
  let next = 0;
  const resultTree = (tree: ValueTree): PipelineResultTree => {
    switch (tree.kind) {
      case "tensor": {
        const leaf = staged.result[next++];
        return { kind: "leaf", key: leaf.key, stage: leaf.from.stage, phase: leaf.from.phase, combine: leaf.combine };
      }
      case "array":
        return { kind: "array", items: tree.items.map(resultTree) };
      case "object":
        return { kind: "object", fields: Object.fromEntries(Object.entries(tree.fields).map(([field, item]) => [field, resultTree(item)])) };
    }
  };
  return {
    name: staged.name,
    mesh: Object.fromEntries(global.mesh.map((axis) => [axis.name, axis.size])),
    axis: staged.pipeline.axis,
    microbatches: staged.pipeline.microbatches,
    schedule: staged.pipeline.schedule,
    cut: staged.cut,
    paramNames: global.params.map((param) => param.name),
    inputs: staged.inputs.map((input) => ({ path: input.path, dims: global.values.get(findParam(staged, input.path))?.dims ?? input.dims })),
    result: resultTree(global.result),
    stages: Array.from({ length: stageCount }, (_, stage) =>
      staged.parts
        .filter((part) => part.stage === stage)
        .map((part) => ({
          phase: part.phase,
          meta: programMeta(part.program),
          recv: part.recv.map((entry) => ({ tag: entry.tag, from: entry.from.stage })),
          send: part.send.map((entry) => ({ tag: entry.tag, to: entry.to.stage })),
        })),
    ),
  };
}

/** The global program's param value at `path` (the full-batch dims the runtime slices). */
function findParam(staged: StagedProgram, path: string): number {
  for (const statement of staged.global.body) {
    if (statement.op === "param" && statement.path === path) return statement.output;
  }
  return -1;
}

