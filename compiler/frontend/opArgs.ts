/**
 * Reading the arguments of a DSL op call: each reader checks the static
 * value's kind and reports a diagnostic naming the op and the argument.
 */
import type { CallExpression, Node } from "ts-morph";
import { frontendMessages } from "../diagnostics/frontendMessages.ts";
import type { ValueId } from "../ir/ir.ts";
import type { Evaluator } from "./evaluator.ts";
import { describeValue, type StaticValue } from "./staticValue.ts";

/** One DSL op call being read: the op's exported name, the call, its evaluated arguments. */
export interface OpCall {
  readonly ev: Evaluator;
  readonly name: string;
  readonly node: CallExpression;
  readonly args: readonly StaticValue[];
}

function wrong(call: OpCall, index: number, expected: string): never {
  const value = call.args[index];
  const at: Node = call.node.getArguments()[index] ?? call.node;
  return call.ev.fail(frontendMessages.wrongArgument, { op: call.name, index, expected, got: value ? describeValue(value) : "missing" }, at);
}

/** Argument `index` as a tensor. */
export function tensorArg(call: OpCall, index: number): ValueId {
  const value = call.args[index];
  return value?.kind === "tensor" ? value.id : wrong(call, index, "a tensor");
}

/** Argument `index` as a tensor or a number. */
export function tensorOrNumberArg(call: OpCall, index: number): { tensor: ValueId } | { number: number } {
  const value = call.args[index];
  if (value?.kind === "tensor") return { tensor: value.id };
  if (value?.kind === "number") return { number: value.value };
  return wrong(call, index, "a tensor or a number");
}

/** Argument `index` as a static string (dims, names, layouts). */
export function stringArg(call: OpCall, index: number): string {
  const value = call.args[index];
  return value?.kind === "string" ? value.value : wrong(call, index, "a string known at compile time");
}

/** Argument `index` as a static number. */
export function numberArg(call: OpCall, index: number): number {
  const value = call.args[index];
  return value?.kind === "number" ? value.value : wrong(call, index, "a number known at compile time");
}

/** Argument `index` as an array of tensors. */
export function tensorsArg(call: OpCall, index: number): ValueId[] {
  const value = call.args[index];
  if (value?.kind !== "array") return wrong(call, index, "an array of tensors");
  return value.items.map((item) => (item.kind === "tensor" ? item.id : wrong(call, index, "an array of tensors")));
}

/** Argument `index` as declared dims (`D`): their sizes. */
export function dimsArg(call: OpCall, index: number): Readonly<Record<string, number>> {
  const value = call.args[index];
  return value?.kind === "dims" ? value.sizes : wrong(call, index, "declared dims (the D of dims({...}))");
}

/** Optional argument `index` as an object of static numbers and strings (op options), empty when absent. */
export function optionsArg(call: OpCall, index: number): ReadonlyMap<string, StaticValue> {
  const value = call.args[index];
  if (value === undefined || value.kind === "undefined") return new Map();
  return value.kind === "object" ? value.fields : wrong(call, index, "an object of options");
}

/** A number option, or `fallback` when absent. */
export function numberOption(call: OpCall, options: ReadonlyMap<string, StaticValue>, name: string, index: number, fallback?: number): number {
  const value = options.get(name);
  if (value?.kind === "number") return value.value;
  if ((value === undefined || value.kind === "undefined") && fallback !== undefined) return fallback;
  return wrong(call, index, `an options object whose "${name}" is a number known at compile time`);
}

/** A string option. */
export function stringOption(call: OpCall, options: ReadonlyMap<string, StaticValue>, name: string, index: number): string {
  const value = options.get(name);
  return value?.kind === "string" ? value.value : wrong(call, index, `an options object whose "${name}" is a string known at compile time`);
}

/** An object of static numbers (e.g. splitDim's sizes). */
export function sizesArg(call: OpCall, index: number): Record<string, number> {
  const sizes: Record<string, number> = {};
  for (const [name, value] of optionsArg(call, index)) {
    if (value.kind !== "number") return wrong(call, index, "an object of sizes known at compile time");
    sizes[name] = value.value;
  }
  return sizes;
}
