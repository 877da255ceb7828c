/**
 * `meshtype explain`: each program's IR before and after lowering and the
 * table of its ops (compiler/explain), as text or as one JSON object.
 */
import { pipelineMessages } from "../diagnostics/pipelineMessages.ts";
import { cliMessages } from "../diagnostics/cliMessages.ts";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.ts";
import { trainingMemory } from "../explain/memory.ts";
import { recomputeCost } from "../explain/recompute.ts";
import { explainProgram, type ExplainTable } from "../explain/explainRows.ts";
import { compileFiles, type CompiledProgram } from "../index.ts";
import type { Program } from "../ir/ir.ts";
import { printProgram } from "../ir/printer.ts";
import { defineCommand, type CommandOutcome } from "./command.ts";
import { leavesJson, shardingText, writeShardingSvgs, type LeafJson } from "./explainSharding.ts";
import type { CliIo } from "./io.ts";
import { jsonFormatVersion } from "./printDiagnostics.ts";
import { projectRoot } from "./projectRoot.ts";

/** What `--json` prints for one program. */
export interface ExplainJson {
  readonly name: string;
  readonly mesh: readonly { readonly name: string; readonly size: number }[];
  readonly layout: string;
  /** The element type the program computes in (`"fp32"` or `"bf16"`). */
  readonly dtype: Program["dtype"];
  readonly ir: { readonly before: string; readonly after: string };
  /** Every parameter leaf and result leaf: global dims, local dims and sharding. */
  readonly leaves: readonly LeafJson[];
  readonly ops: ExplainTable["rows"];
  readonly totals: { readonly bytesByCollective: ExplainTable["bytesByCollective"]; readonly wireBytesByCollective: ExplainTable["wireBytesByCollective"] };
  /** Training steps only: bytes per device of parameters, gradients, optimizer state and saved activations. */
  readonly memory?: ExplainTable["memory"];
}

/** The JSON form of one compiled program. */
export function explainJson(program: CompiledProgram): ExplainJson {
  const table = explainProgram(program.lowered);
  return {
    name: program.name,
    mesh: program.lowered.mesh.map((axis) => ({ name: axis.name, size: axis.size })),
    layout: program.lowered.layoutSpec,
    dtype: program.lowered.dtype,
    ir: { before: printProgram(program.global), after: printProgram(program.lowered) },
    leaves: leavesJson(program),
    ops: table.rows,
    totals: { bytesByCollective: table.bytesByCollective, wireBytesByCollective: table.wireBytesByCollective },
    ...(table.memory === undefined ? {} : { memory: table.memory }),
  };
}

/** Columns padded to their widest cell. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: readonly string[]): string => cells.map((cell, column) => cell.padEnd(widths[column])).join("  ").trimEnd();
  return [line(header), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].join("\n");
}

/** The memory line of a training step. */
function formatMemory(memory: NonNullable<ExplainTable["memory"]>): string {
  const { parameters, gradients, optimizerState, savedActivations } = memory;
  return `Training memory, bytes per device: parameters ${parameters}, gradients ${gradients}, optimizer state ${optimizerState}, saved activations ${savedActivations}`;
}

/**
 * The recomputation line of a training step that recomputes (`program(step, { recompute })`): the ops and
 * FLOPs the backward runs again, and the saved activations with and without (`baseline`: the same step compiled
 * with recompute "none").
 */
function formatRecompute(program: CompiledProgram, memory: ExplainTable["memory"], baseline: CompiledProgram | undefined): string[] {
  const cost = recomputeCost(program.lowered);
  if (cost === undefined) return [];
  const without = baseline === undefined ? undefined : trainingMemory(baseline.lowered)?.savedActivations;
  const saved = memory === undefined || without === undefined ? "" : `; saved activations ${memory.savedActivations} bytes per device, ${without} without recomputation (${without - memory.savedActivations} saved)`;
  return [`Recomputation: ${cost.ops} ops run again per call, ${cost.flops} FLOPs per device${saved} (meshtype simulate gives their time)`];
}

/** The text form of one compiled program (`baseline`: the same program compiled with recompute "none", for the recomputation line). */
export function explainText(program: CompiledProgram, baseline?: CompiledProgram): string {
  const table = explainProgram(program.lowered);
  // an uneven split's rows say which devices hold short blocks, in a column shown only when some value is padded
  const padded = table.rows.some((row) => row.padding !== undefined);
  const rows = table.rows.map((row) => [
    `${"  ".repeat(row.depth)}${row.op}`, row.loc, row.globalDims, row.localDims, row.collective ?? "", row.axis ?? "",
    row.bytes === undefined ? "" : String(row.bytes), row.shardingFrom ?? "", ...(padded ? [row.padding ?? ""] : []),
  ]);
  const totals = Object.entries(table.bytesByCollective).map(([kind, bytes]) => `${kind} ${bytes}`).join(", ") || "none";
  return [
    `program ${program.name}  mesh [${table.mesh}]  layout "${table.layout}"  dtype ${program.lowered.dtype}`,
    "",
    "IR before lowering:",
    printProgram(program.global).trimEnd(),
    "",
    "IR after lowering:",
    printProgram(program.lowered).trimEnd(),
    "",
    "Ops (bytes per device per run; indented ops are in loops):",
    formatTable(["op", "source", "global dims", "local shape", "collective", "axis", "bytes", "sharding from", ...(padded ? ["padding (short blocks)"] : [])], rows),
    "",
    `Bytes per device per call, by collective: ${totals}`,
    ...(table.memory === undefined ? [] : [formatMemory(table.memory)]),
    ...formatRecompute(program, table.memory, baseline),
    "",
  ].join("\n");
}

/** What `meshtype explain` was asked to do. */
export interface ExplainOptions {
  /** Only the program bound to this name. */
  readonly program: string | undefined;
  readonly json: boolean;
  readonly typeCheck: boolean;
  /** Print the picture of each parameter's and result's split instead of the IR and the op table. */
  readonly showSharding?: boolean;
  /** Write the pictures as DIR/<program>.svg. */
  readonly svg?: string | undefined;
  /** Colour the pictures. */
  readonly color?: boolean;
}

/** Run `meshtype explain`: the diagnostics (empty on success) and the files it read. */
export function runExplain(files: readonly string[], options: ExplainOptions, io: CliIo): CommandOutcome {
  const rootDir = options.json ? projectRoot(files) : process.cwd();
  const result = compileFiles(files, { typeCheck: options.typeCheck, rootDir });
  const outcome = (diagnostics: readonly Diagnostic[]): CommandOutcome => ({ diagnostics, inputs: result.inputs, rootDir });
  if (result.diagnostics.length > 0) return outcome(result.diagnostics);
  const programs = result.files.flatMap((file) => file.programs);
  if (programs.length === 0) return outcome([diagnostic(cliMessages.noPrograms, { files: files.join(", ") })]);
  const only = options.program;
  let chosen = only === undefined ? programs : programs.filter((program) => program.name === only);
  if (chosen.length === 0) {
    return outcome([diagnostic(cliMessages.programNotFound, { name: only ?? "", known: programs.map((program) => program.name).join(", ") })]);
  }
  // pipelined programs are not explained yet: an error when only they were asked for, else a note (not in --json) and the others
  const pipelined = chosen.filter((program) => program.staged !== undefined);
  if (pipelined.length > 0 && pipelined.length === chosen.length) {
    return outcome([diagnostic(pipelineMessages.notModelled, { command: "explain", program: pipelined[0].name }, pipelined[0].global.pipeline?.loc)]);
  }
  if (pipelined.length > 0 && !options.json) io.out(`skipped ${pipelined.map((program) => program.name).join(", ")}: pipelined programs are not explained yet (MT9801)\n\n`);
  chosen = chosen.filter((program) => program.staged === undefined);
  if (options.svg !== undefined) {
    const svgs = writeShardingSvgs(chosen, options.svg);
    if ("failure" in svgs) return outcome([svgs.failure]);
    if (!options.json) for (const file of svgs.written) io.out(`wrote ${file}\n`);
  }
  if (options.json) io.out(`${JSON.stringify({ version: jsonFormatVersion, programs: chosen.map(explainJson) }, null, 2)}\n`);
  else if (options.showSharding === true) io.out(shardingText(chosen, options.color === true));
  else if (options.svg === undefined) {
    // A step that recomputes activations is compared with the same step saving them all.
    const recomputing = chosen.filter((program) => recomputeCost(program.lowered) !== undefined).map((program) => program.name);
    const baselines = recomputing.length === 0 ? [] : compileFiles(files, { typeCheck: false, rootDir, programs: recomputing, recompute: "none" }).files.flatMap((file) => file.programs);
    io.out(chosen.map((program) => explainText(program, baselines.find((item) => item.name === program.name))).join("\n"));
  }
  return outcome([]);
}

/** `meshtype explain`, as the command table lists it. */
export const explainCommand = defineCommand({
  name: "explain",
  summary: "Print each program's IR, its ops with their shapes, collectives and bytes.",
  description: `Print each program's IR before and after lowering, and a table of its ops: op,
source location, global dims, local shape, collective, mesh axis and bytes per
device; then the bytes per call by collective (and, for a training step, the
memory per device). With --json: one object { version, programs: [{ name, mesh,
layout, ir, leaves, ops, totals }] }, described by docs/explain.schema.json, its
paths relative to the project root (the folder of the nearest package.json).
With --show-sharding: a picture of how each parameter and result is split.`,
  operands: "files",
  watch: true,
  options: {
    program: { type: "string", short: "p", valueName: "NAME", description: "only the program bound to NAME" },
    json: { type: "boolean", description: "print one JSON object (or the diagnostics) instead of text" },
    "show-sharding": { type: "boolean", short: "s", description: "draw how each parameter and result is split over the mesh\n(a grid of blocks, each naming its devices), instead of the IR and ops" },
    svg: { type: "string", valueName: "DIR", description: "write those pictures as DIR/<program>.svg" },
    "no-typecheck": { type: "boolean", description: "skip reporting TypeScript errors in the files (faster)" },
  },
  examples: [
    "meshtype explain examples/mlp/mlp.ts -p mlpMegatron",
    "meshtype explain examples/gpt/gpt.ts --json > gpt.json",
    "meshtype explain examples/mlp/mlp.ts --show-sharding --svg sharding/",
  ],
  run: ({ files, options }, { io, color }) =>
    runExplain(files, { program: options.program, json: options.json, typeCheck: !options["no-typecheck"], showSharding: options["show-sharding"], svg: options.svg, color }, io),
});
