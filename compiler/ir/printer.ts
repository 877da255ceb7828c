/**
 * The text form of the IR: stable (golden tests compare it) and readable
 * (`meshtype explain` shows it). One line per op:
 *
 *   %2 h [batch=8 d_ff=32] = einsum %0 %1 @ mlp.ts:4:12
 *
 * and, once lowered, the sharding per axis and the local dims:
 *
 *   %2 h [batch=8 d_ff=32] {data: split(batch), model: split(d_ff)} local [batch=2 d_ff=16] = einsum %0 %1 @ mlp.ts:4:12
 *
 * A dim over several axes shows its rank on the minor ones (`{data:
 * split(batch), fsdp: split(batch@1)}`); an uneven split's local dims are
 * the padded ones, with the real length of the short blocks after them
 * (`local [vocab=6283 (vocab: 6283 per device, 6276 on model=7)]`).
 */
import { describeAxisState } from "../../dsl/runtime/sharding.ts";
import { formatRules, type LayoutRule } from "../../dsl/parseLayout.ts";
import type { MeshAxis } from "../../dsl/mesh.ts";
import type { Dim } from "../../dsl/tensor.ts";
import { describePadding, paddedDimsOf } from "./sharding.ts";
import type { AxisState, Block, Loop, Op, Program, SourceLoc, Value, ValueId, ValueTree } from "./ir.ts";
import { attrsOf, isLoop, loopYields } from "./opAttrs.ts";

/** `[batch=8 d_ff=32]`; `[]` for a scalar. */
export function formatDims(dims: readonly Dim[]): string {
  return `[${dims.map((dim) => `${dim.name}=${dim.size}`).join(" ")}]`;
}

/** `split(d_ff)`, `split(height)+halo(1)`, `replicated`, `partial(sum)`. */
export function formatAxisState(state: AxisState): string {
  return describeAxisState(state);
}

/** `file:line:col`. */
export function formatLoc(loc: SourceLoc): string {
  return `${loc.file}:${loc.line}:${loc.column}`;
}

/** `%3`. */
export function formatValueId(id: ValueId): string {
  return `%${id}`;
}

/** `{ x: %0, layers: [%1, %2] }`. */
export function formatTree(tree: ValueTree): string {
  switch (tree.kind) {
    case "tensor":
      return formatValueId(tree.value);
    case "array":
      return `[${tree.items.map(formatTree).join(", ")}]`;
    case "object":
      return `{ ${Object.entries(tree.fields).map(([field, inner]) => `${field}: ${formatTree(inner)}`).join(", ")} }`;
  }
}

function isRule(value: unknown): value is LayoutRule {
  return typeof value === "object" && value !== null && typeof (value as LayoutRule).dim === "string" && typeof (value as LayoutRule).axis === "string";
}

function formatAttr(value: unknown): string {
  // a constant's data: its first values and its length
  if (value instanceof Float32Array) {
    const shown = Array.from(value.subarray(0, 6), (item) => formatAttr(item)).join(" ");
    return value.length <= 6 ? `[${shown}]` : `[${shown} ... (${value.length} values)]`;
  }
  // layout rules as written: seq:data, batch:(data, fsdp), vocab:padded(model)
  if (Array.isArray(value) && value.length > 0 && value.every(isRule)) return formatRules(value);
  if (Array.isArray(value)) return value.map(formatAttr).join(" ");
  if (typeof value === "number" && !Number.isFinite(value)) return Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
  if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>;
    if (typeof record.name === "string" && typeof record.size === "number") return `${record.name}=${record.size}`;
    if (typeof record.dim === "string" && typeof record.axis === "string") return `${record.dim}:${record.axis}`;
    return `{${Object.entries(record).map(([key, inner]) => `${key}=${formatAttr(inner)}`).join(" ")}}`;
  }
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** `einsum`, `reduce fn=sum dims=seq`: an op's kind and attributes. */
export function formatOpHead(op: Op): string {
  const { op: kind, ...attrs } = attrsOf(op);
  const parts = Object.entries(attrs).map(([key, value]) => `${key}=${formatAttr(value)}`);
  return [kind, ...parts].join(" ");
}

/** The value part of a line: id, hint, dims, and once lowered the sharding and local dims. */
export function formatValue(value: Value, mesh: readonly MeshAxis[] = []): string {
  const parts = [formatValueId(value.id)];
  if (value.hint !== undefined) parts.push(value.hint);
  parts.push(formatDims(value.dims));
  if (value.sharding) {
    parts.push(`{${Object.entries(value.sharding).map(([axis, state]) => `${axis}: ${formatAxisState(state)}`).join(", ")}}`);
  }
  if (value.localDims) parts.push(`local ${formatDims(value.localDims)}`);
  const padded = value.sharding ? paddedDimsOf(value.dims, value.sharding, mesh) : [];
  if (padded.length > 0) parts.push(`(padded: ${padded.map(describePadding).join("; ")})`);
  return parts.join(" ");
}

/** One op as one line (no indentation). */
export function formatOp(program: Program, op: Op): string {
  const value = program.values.get(op.output);
  const head = value ? formatValue(value, program.mesh) : `${formatValueId(op.output)} <undefined>`;
  const inputs = op.inputs.map(formatValueId).join(" ");
  return `${head} = ${formatOpHead(op)}${inputs ? ` ${inputs}` : ""} @ ${formatLoc(op.loc)}`;
}

function printLoop(program: Program, loop: Loop, indent: string, lines: string[]): void {
  const carried = loop.carried.map(
    (entry) => `${formatValueId(entry.param)} = ${formatValueId(entry.init)} then ${formatValueId(entry.result)} -> ${formatValueId(entry.output)}`,
  );
  const indexed = loop.indexed.map((entry) => `${formatValueId(entry.param)} in [${entry.items.map(formatValueId).join(" ")}]`);
  lines.push(`${indent}loop ${loop.count} @ ${formatLoc(loop.loc)}`);
  for (const line of carried) lines.push(`${indent}  carry ${line}`);
  for (const line of indexed) lines.push(`${indent}  index ${line}`);
  for (const entry of [...loop.carried.map((item) => item.param), ...loop.indexed.map((item) => item.param)]) {
    const value = program.values.get(entry);
    if (value) lines.push(`${indent}  let ${formatValue(value, program.mesh)}`);
  }
  printBlock(program, loop.body, `${indent}  `, lines);
  for (const entry of loopYields(loop)) lines.push(`${indent}  yield ${formatValueId(entry.result)} -> [${entry.items.map(formatValueId).join(" ")}]`);
  lines.push(`${indent}end`);
  for (const entry of loop.carried) {
    const value = program.values.get(entry.output);
    if (value) lines.push(`${indent}let ${formatValue(value, program.mesh)}`);
  }
  for (const entry of loopYields(loop)) {
    const value = program.values.get(entry.items[0]);
    const more = entry.items.length > 1 ? ` (the first of ${entry.items.length}, one per iteration)` : "";
    if (value) lines.push(`${indent}let ${formatValue(value)}${more}`);
  }
}

function printBlock(program: Program, block: Block, indent: string, lines: string[]): void {
  for (const statement of block) {
    if (isLoop(statement)) printLoop(program, statement, indent, lines);
    else lines.push(`${indent}${formatOp(program, statement)}`);
  }
}

/** The whole program as text, ending with a newline. The header names the dtype when it is not fp32. */
export function printProgram(program: Program): string {
  const mesh = program.mesh.map((axis) => `${axis.name}=${axis.size}`).join(" ");
  const lines = [
    `program ${program.name} (${program.stage}) mesh [${mesh}] layout "${program.layoutSpec}"${program.dtype === "fp32" ? "" : ` dtype ${program.dtype}`} @ ${formatLoc(program.loc)}`,
  ];
  for (const param of program.params) lines.push(`  param ${param.name}: ${formatTree(param.tree)}`);
  printBlock(program, program.body, "  ", lines);
  lines.push(`  return ${formatTree(program.result)}`);
  return `${lines.join("\n")}\n`;
}
