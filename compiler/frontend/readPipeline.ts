/**
 * Reading a binding's `pipeline` option from its type (as the layout is
 * read): the axis, the micro-batch count, the schedule and the stage cut
 * as literals, checked as the editor checks them (MT18xx at the option).
 */
import { Node, type Type } from "ts-morph";
import type { MeshAxis } from "../../dsl/mesh.ts";
import type { LayoutRule } from "../../dsl/parseLayout.ts";
import {
  writePipelineAxisInLayoutMessage,
  writePipelineMicrobatchCountMessage,
  writePipelineMicrobatchesMessage,
  writePipelineScheduleMessage,
  writePipelineStagesMessage,
  writePipelineUnknownAxisMessage,
} from "../../dsl/messages/pipeline.ts";
import { pipelineSchedules, stageCutProblem, type PipelineSchedule } from "../../dsl/pipelineOption.ts";
import { fail } from "../diagnostics/diagnostic.ts";
import { pipelineMessages } from "../diagnostics/pipelineMessages.ts";
import type { PipelineSpec, SourceLoc } from "../ir/ir.ts";
import type { Locator } from "./location.ts";
import { literalNumber, literalString, optionType, propertyType } from "./readTypes.ts";

/** The type of property `name` of the options, and where it is written (the property, else the options). */
function property(options: Node, type: Type | undefined, name: string): { type: Type | undefined; at: Node } {
  const written = Node.isObjectLiteralExpression(options) ? options.getProperty(name) : undefined;
  if (written !== undefined && Node.isPropertyAssignment(written)) return { type: written.getInitializerOrThrow().getType(), at: written };
  // the program's options: read without resolving the program call (optionType); a nested option: from its type
  if (type === undefined) return { type: optionType(options, name).type, at: written ?? options };
  return { type: propertyType(type, name, options), at: written ?? options };
}

/** The stage cut of a tuple or array literal type of whole numbers, or undefined when not readable. */
function readStages(type: Type): number[] | undefined {
  const elements = type.isTuple() ? type.getTupleElements() : undefined;
  if (elements === undefined) return undefined;
  const counts = elements.map((element) => literalNumber(element));
  return counts.every((count): count is number => count !== undefined) ? counts : undefined;
}

/**
 * The `pipeline` option of a binding's options, checked against the mesh,
 * the dim sizes and the layout rules, or undefined when there is none.
 */
export function readPipeline(
  options: Node, mesh: readonly MeshAxis[], sizes: Readonly<Record<string, number>>, rules: readonly LayoutRule[], spec: string, locator: Locator,
): PipelineSpec | undefined {
  const { type, at } = property(options, undefined, "pipeline");
  if (type === undefined || type.isUndefined()) return undefined;
  const loc: SourceLoc = locator.of(at);
  const inner = Node.isPropertyAssignment(at) ? at.getInitializerOrThrow() : at;
  const field = (name: string): { type: Type | undefined; loc: SourceLoc } => {
    const found = property(inner, type, name);
    return { type: found.type, loc: locator.of(found.at) };
  };
  const notStatic = (what: string, found: { type: Type | undefined; loc: SourceLoc }): never =>
    fail(pipelineMessages.notStatic, { what, type: found.type?.getText(at) ?? "unknown" }, found.loc);
  const axisField = field("axis");
  const axis = literalString(axisField.type) ?? notStatic("axis", axisField);
  if (!mesh.some((entry) => entry.name === axis)) fail(pipelineMessages.badOption, { message: writePipelineUnknownAxisMessage(axis) }, axisField.loc);
  const rule = rules.find((entry) => entry.axis === axis);
  if (rule !== undefined) fail(pipelineMessages.badOption, { message: writePipelineAxisInLayoutMessage(axis, rule.dim, spec) }, axisField.loc);
  const countField = field("microbatches");
  const microbatches = literalNumber(countField.type) ?? notStatic("microbatches", countField);
  if (!Number.isInteger(microbatches) || microbatches < 1) fail(pipelineMessages.badOption, { message: writePipelineMicrobatchCountMessage(String(microbatches)) }, countField.loc);
  const batch = sizes.batch;
  if (batch === undefined && microbatches > 1) fail(pipelineMessages.noBatch, { microbatches: String(microbatches) }, countField.loc);
  if (batch !== undefined && batch % microbatches !== 0) fail(pipelineMessages.badOption, { message: writePipelineMicrobatchesMessage(String(microbatches), String(batch)) }, countField.loc);
  const scheduleField = field("schedule");
  const name = literalString(scheduleField.type) ?? notStatic("schedule", scheduleField);
  const schedule = pipelineSchedules.find((entry) => entry === name);
  if (schedule === undefined) return fail(pipelineMessages.badOption, { message: writePipelineScheduleMessage(name) }, scheduleField.loc);
  const stagesField = field("stages");
  let stages: number[] | undefined;
  if (stagesField.type !== undefined && !stagesField.type.isUndefined()) {
    stages = readStages(stagesField.type) ?? notStatic("stages (a literal array of whole numbers, written `as const` when it is not inline)", stagesField);
    const size = mesh.find((entry) => entry.name === axis)?.size ?? 0;
    const reason = stageCutProblem(stages, size);
    if (reason !== undefined) fail(pipelineMessages.badOption, { message: writePipelineStagesMessage(stages.join(", "), reason) }, stagesField.loc);
  }
  return { axis, microbatches, schedule: schedule satisfies PipelineSchedule, ...(stages === undefined ? {} : { stages }), loc };
}
