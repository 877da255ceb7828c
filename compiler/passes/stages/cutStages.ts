/**
 * The stage cut: a global program with a `pipeline` option becomes a
 * `StagedProgram` (stagedProgram.ts): the program at micro-batch size,
 * its units placed on stages and phases (placeUnits.ts), one part program
 * per stage and phase with explicit transfers (buildParts.ts). Each part is
 * then compiled by the ordinary passes on the stage's sub-mesh
 * (`compileStaged`), so tensor and data splits inside a stage lower as in
 * any program.
 */
import { sameSharding } from "../../ir/sharding.ts";
import type { Program, ValueId, ValueTree } from "../../ir/ir.ts";
import { compileProgram, type PipelineOptions } from "../pipeline.ts";
import { buildParts } from "./buildParts.ts";
import { placeUnits } from "./placeUnits.ts";
import { resizeBatch } from "./resizeBatch.ts";
import { partName, type StagedProgram, type StagePart } from "./stagedProgram.ts";

/** Cut `program` (global, with a `pipeline` option) into stage parts, not yet compiled. */
export function cutStages(program: Program): StagedProgram {
  const spec = program.pipeline;
  if (spec === undefined) throw new Error(`cutStages: program "${program.name}" has no pipeline option`);
  const axis = program.mesh.find((entry) => entry.name === spec.axis);
  if (axis === undefined) throw new Error(`cutStages: program "${program.name}" has no mesh axis "${spec.axis}" (the front end checks it)`);
  const resized = spec.microbatch === undefined ? resizeBatch(program, spec.microbatches) : { ...spec.microbatch, pipeline: spec };
  const placement = placeUnits(resized, axis.size, spec.loc ?? program.loc);
  const stageMesh = program.mesh.map((entry) => (entry.name === spec.axis ? { ...entry, size: 1 } : entry));
  const { parts, inputs, result } = buildParts(resized, placement, stageMesh);
  return { name: program.name, loc: program.loc, pipeline: spec, cut: placement.cut, parts, inputs, result, global: program };
}

/** The value of field `group.key` of a part's params or result, if any. */
function fieldValue(tree: ValueTree | undefined, key: string): ValueId | undefined {
  if (tree === undefined || tree.kind !== "object") return undefined;
  const leaf = tree.fields[key];
  return leaf?.kind === "tensor" ? leaf.value : undefined;
}

function paramTree(program: Program, name: string): ValueTree | undefined {
  return program.params.find((param) => param.name === name)?.tree;
}

function resultTree(program: Program, name: string): ValueTree | undefined {
  return program.result.kind === "object" ? program.result.fields[name] : undefined;
}

/**
 * Check that both ends of every hand-over (a transfer, a value kept for the
 * backward, an accumulated gradient) hold the value in the same sharding
 * on the stage mesh: the runtime moves local blocks as they are.
 */
function checkHandOvers(staged: StagedProgram): void {
  const partOf = (stage: number, phase: StagePart["phase"]): StagePart | undefined => staged.parts.find((part) => part.stage === stage && part.phase === phase);
  const compare = (from: Program, fromGroup: string, to: Program, toGroup: string, tag: string): void => {
    const sent = fieldValue(resultTree(from, fromGroup), tag);
    const got = fieldValue(paramTree(to, toGroup), tag);
    const a = sent === undefined ? undefined : from.values.get(sent)?.sharding;
    const b = got === undefined ? undefined : to.values.get(got)?.sharding;
    if (a === undefined || b === undefined || !sameSharding(a, b)) {
      throw new Error(`stages: ${from.name} hands ${tag} (${fromGroup}) to ${to.name} (${toGroup}) in another sharding, or one side lacks it`);
    }
  };
  for (const part of staged.parts) {
    for (const entry of part.recv) {
      const sender = partOf(entry.from.stage, entry.from.phase);
      if (sender === undefined) throw new Error(`stages: no part ${partName(staged.name, entry.from)} sends ${entry.tag}`);
      compare(sender.program, "send", part.program, "recv", entry.tag);
    }
    const forward = partOf(part.stage, "forward");
    const backward = partOf(part.stage, "backward");
    for (const [group, source, sourceGroup] of [["saved", forward, "saved"], ["accumulated", backward, "accumulate"]] as const) {
      const tree = paramTree(part.program, group);
      if (tree?.kind !== "object") continue;
      if (source === undefined) throw new Error(`stages: ${part.program.name} reads ${group} values that no part of its stage makes`);
      for (const tag of Object.keys(tree.fields)) compare(source.program, sourceGroup, part.program, group, tag);
    }
  }
}

/** Cut `program` into stages and compile every part through the passes (the same `options` for each). */
export function compileStaged(program: Program, options: PipelineOptions = {}): StagedProgram {
  const staged = cutStages(program);
  const parts = staged.parts.map((part) => ({ ...part, program: compileProgram(part.program, undefined, options) }));
  const compiled = { ...staged, parts };
  checkHandOvers(compiled);
  return compiled;
}
