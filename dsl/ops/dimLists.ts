/**
 * Small helpers shared by the shape rules: how a tensor is named in messages,
 * and how a dims list argument is read.
 */
import { MeshtypeError } from "../errors.ts";
import { parseDims } from "../parseDims.ts";
import type { Dim } from "../tensor.ts";
import { writeOneDimMessage, writeOpRepeatedDimMessage, writeOpUnknownDimMessage } from "./messages.ts";

/**
 * How messages name a tensor: `what` (e.g. `tensor "x"` or `einsum input 1`)
 * followed by its dims with sizes: `tensor "x" [batch=8, d_model=16]`.
 * Matches `describeTensor` from tensor.ts when `what` is `tensor "label"`.
 */
export function describeDims(dims: readonly Dim[], what = "tensor"): string {
  return `${what} [${dims.map((dim) => `${dim.name}=${dim.size}`).join(", ")}]`;
}

/**
 * Read a dims list argument of `op`: a space-separated string (`"heads d_head"`)
 * or an array of names (what the compiler passes). A repeated name is an error
 * naming the op; a malformed name is parseDims' error.
 */
export function readDimList(op: string, spec: string | readonly string[]): string[] {
  const names = typeof spec === "string" ? spec.split(" ").filter((part) => part !== "") : [...spec];
  const text = names.join(" ");
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new MeshtypeError("repeated-dim", writeOpRepeatedDimMessage(op, name, text));
    seen.add(name);
  }
  parseDims(text);
  return names;
}

/** Read one dim name argument of `op` (a single identifier). */
export function readDimName(op: string, name: string): string {
  const names = parseDims(name);
  if (names.length !== 1) {
    throw new MeshtypeError("bad-dim-name", writeOneDimMessage(op, name));
  }
  return names[0];
}

/** The position of `name` in `dims`, or -1. */
export function findDim(dims: readonly Dim[], name: string): number {
  for (let index = 0; index < dims.length; index++) if (dims[index].name === name) return index;
  return -1;
}

/** The `what` of input `index` of a multi-input op: the caller's, or `input N` (1-based). */
export function inputWhat(what: readonly string[] | undefined, index: number, op: string): string {
  return what?.[index] ?? `${op} input ${index + 1}`;
}

/** Throws if `size` is not a positive integer; `role` says what it is the size of. */
export function checkPositiveSize(op: string, role: string, size: number): void {
  if (!Number.isInteger(size) || size < 1) {
    throw new MeshtypeError("bad-dim-size", `${op}: ${role} has size ${size}; a size is a positive integer.`);
  }
}

/** Position of `name` in `x`; throws the unknown-dim message of `op` when x has no such dim. */
export function requireDim(op: string, x: readonly Dim[], name: string, what = "tensor"): number {
  const index = findDim(x, name);
  if (index < 0) throw new MeshtypeError("unknown-dim", writeOpUnknownDimMessage(op, name, describeDims(x, what)));
  return index;
}

/** How an eager op names a tensor in messages: `tensor "label"`, or `tensor` when it has no label. */
export function whatOf(tensor: { readonly label: string | undefined }): string {
  return tensor.label ? `tensor "${tensor.label}"` : "tensor";
}

/** Labels longer than this are cut to `op(...)`, so labels stay short when results feed ops again and again (a training loop). */
export const MAX_LABEL_LENGTH = 80;

/** A cheap label for an op's result: `relu(h)`, `add(x, w)`; undefined when no input has a label. */
export function resultLabel(op: string, inputs: readonly ({ readonly label: string | undefined } | number)[]): string | undefined {
  const labelled = inputs.some((input) => typeof input !== "number" && input.label);
  if (!labelled) return undefined;
  const parts = inputs.map((input) => (typeof input === "number" ? String(input) : (input.label ?? "_")));
  const label = `${op}(${parts.join(", ")})`;
  return label.length > MAX_LABEL_LENGTH ? `${op}(...)` : label;
}
