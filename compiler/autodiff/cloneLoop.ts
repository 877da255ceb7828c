/**
 * Run a forward loop again where the builder is (activation recomputation
 * of a loop nested in a differentiated loop body): a copy with fresh value
 * ids, its ops marked `phase: "recompute"`, reading `outside(id)` for every
 * value it reads from outside the loop.
 */
import type { ProgramBuilder } from "../ir/builder.ts";
import type { Loop, ValueId } from "../ir/ir.ts";
import { attrsOf, isLoop, loopOutputs, loopYields } from "../ir/opAttrs.ts";

/** Emit a copy of `loop` and return the copy's statement (its outputs line up with the original's). */
export function cloneLoop(builder: ProgramBuilder, loop: Loop, outside: (id: ValueId) => ValueId): Loop {
  const local = new Map<ValueId, ValueId>();
  const read = (id: ValueId): ValueId => local.get(id) ?? outside(id);
  const copyLoop = (original: Loop): void => {
    const open = builder.openLoop(original.count, original.carried.map((entry) => read(entry.init)), original.indexed.map((entry) => entry.items.map(read)), original.loc);
    original.carried.forEach((entry, index) => local.set(entry.param, open.carried[index]));
    original.indexed.forEach((entry, index) => local.set(entry.param, open.indexed[index]));
    for (const statement of original.body) {
      if (isLoop(statement)) {
        copyLoop(statement);
        continue;
      }
      const dims = builder.dimsOf(statement.output);
      const output = builder.add(attrsOf(statement), statement.inputs.map(read), {
        loc: statement.loc, hint: builder.hintOf(statement.output), phase: "recompute", dims, out: dims.map((dim) => dim.name),
      });
      local.set(statement.output, output);
    }
    const closed = builder.closeLoopWithYields(original.carried.map((entry) => read(entry.result)), loopYields(original).map((entry) => read(entry.result)));
    const copied = [...closed.carried, ...closed.yields.flat()];
    loopOutputs(original).forEach((id, index) => local.set(id, copied[index]));
  };
  copyLoop(loop);
  const block = builder.currentBlock();
  const copy = block[block.length - 1];
  if (!copy || !isLoop(copy)) throw new Error("cloneLoop: the copy is not the last statement");
  return copy;
}
