/**
 * A program at micro-batch size: every value's dim `batch` divided by the
 * micro-batch count (the model's rows are independent, so one micro-batch's
 * program is the same program on fewer rows).
 */
import type { Dim } from "../../../dsl/tensor.ts";
import type { Block, Loop, Op, Program, Value, ValueId } from "../../ir/ir.ts";
import { isLoop } from "../../ir/opAttrs.ts";

function resizeDims(dims: readonly Dim[], size: number): Dim[] {
  return dims.map((dim) => (dim.name === "batch" ? { name: "batch", size } : dim));
}

function resizeBlock(block: Block, size: number): Block {
  return block.map((statement): Op | Loop => {
    if (isLoop(statement)) return { ...statement, body: resizeBlock(statement.body, size) };
    if (statement.op === "splitDim") return { ...statement, into: resizeDims(statement.into, size) };
    if (statement.op === "oneHot" && statement.dim.name === "batch") return { ...statement, dim: { name: "batch", size } };
    return statement;
  });
}

/** `program` with the dim `batch` at `size / microbatches` everywhere (the caller checked that it divides). */
export function resizeBatch(program: Program, microbatches: number): Program {
  if (microbatches === 1) return program;
  const batch = [...program.values.values()].flatMap((value) => value.dims.filter((dim) => dim.name === "batch"))[0];
  if (batch === undefined) return program;
  const size = batch.size / microbatches;
  const values = new Map<ValueId, Value>();
  for (const [id, value] of program.values) {
    values.set(id, { ...value, dims: resizeDims(value.dims, size), ...(value.localDims ? { localDims: resizeDims(value.localDims, size) } : {}) });
  }
  return { ...program, body: resizeBlock(program.body, size), values };
}
