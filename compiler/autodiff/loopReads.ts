/**
 * What a loop statement reads and which of its values depend on a given set
 * of inputs, for the backward of loops (reverseLoop.ts).
 */
import type { Block, Loop, ValueId } from "../ir/ir.ts";
import { isLoop, loopOutputs, loopYields } from "../ir/opAttrs.ts";

/** Every value defined inside `loop` (its params, body values and nested loops' values), not its outputs. */
function definedInside(loop: Loop, out = new Set<ValueId>()): Set<ValueId> {
  loop.carried.forEach((entry) => out.add(entry.param));
  loop.indexed.forEach((entry) => out.add(entry.param));
  for (const statement of loop.body) {
    if (isLoop(statement)) {
      definedInside(statement, out);
      loopOutputs(statement).forEach((id) => out.add(id));
    } else {
      out.add(statement.output);
    }
  }
  return out;
}

/** Every value read inside `block` (op inputs, nested inits, items, results and yields), in order, with repeats. */
function readsOf(block: Block, out: ValueId[] = []): ValueId[] {
  for (const statement of block) {
    if (!isLoop(statement)) {
      out.push(...statement.inputs);
      continue;
    }
    statement.carried.forEach((entry) => out.push(entry.init));
    statement.indexed.forEach((entry) => out.push(...entry.items));
    readsOf(statement.body, out);
    statement.carried.forEach((entry) => out.push(entry.result));
    loopYields(statement).forEach((entry) => out.push(entry.result));
  }
  return out;
}

/**
 * The values defined outside `loop` that its body reads (free values: closures such as a
 * hoisted mask, or a weight shared by every iteration), each once, in order of first read.
 */
export function freeValues(loop: Loop): ValueId[] {
  const inside = definedInside(loop);
  const reads = [...readsOf(loop.body), ...loop.carried.map((entry) => entry.result), ...loopYields(loop).map((entry) => entry.result)];
  return [...new Set(reads.filter((id) => !inside.has(id)))];
}

/** Every value `loop` reads from the block around it: its inits, its indexed items and its free values. */
export function loopInputs(loop: Loop): ValueId[] {
  return [...loop.carried.map((entry) => entry.init), ...loop.indexed.flatMap((entry) => entry.items), ...freeValues(loop)];
}

/**
 * The values of `loop`'s body that depend on `active` (values outside the body, or its own
 * carried and indexed params): ops with an active input, every output of a nested loop that
 * reads one, and carried params whose result depends on one (to a fixed point).
 */
export function activeInBody(loop: Loop, active: ReadonlySet<ValueId>): Set<ValueId> {
  const found = new Set(active);
  const visit = (block: Block): void => {
    for (const statement of block) {
      if (!isLoop(statement)) {
        if (statement.inputs.some((input) => found.has(input))) found.add(statement.output);
        continue;
      }
      const before = found.size;
      for (const entry of statement.carried) if (found.has(entry.init)) found.add(entry.param);
      for (const entry of statement.indexed) if (entry.items.some((item) => found.has(item))) found.add(entry.param);
      if (loopInputs(statement).some((id) => found.has(id)) || found.size > before) {
        statement.carried.forEach((entry) => found.add(entry.param));
        visit(statement.body);
        loopOutputs(statement).forEach((id) => found.add(id));
      }
    }
  };
  for (;;) {
    const size = found.size;
    visit(loop.body);
    for (const entry of loop.carried) if (found.has(entry.result)) found.add(entry.param);
    if (found.size === size) return found;
  }
}
