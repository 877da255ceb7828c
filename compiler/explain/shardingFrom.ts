/**
 * Where each op's sharding in a lowered program came from, for `meshtype
 * explain`: read off the program's `assignment` (compiler/ir/shardingAssignment.ts).
 *
 * - a param, constant or relayout: the constraint that gave its target (the
 *   layout's rules, a relayout, weight-update sharding, a relayout's pins);
 * - any other op of the user's program: its sharding rule, from its operands
 *   (`propagated (einsum)`), or `solver` when the optimize strategy chose it;
 * - a collective or local slice that brings a value to the sharding it is
 *   held in: why it is held so (a layout rule, reduced once for all its
 *   consumers, ...); one that brings it to what one consumer reads:
 *   `read by <op> at <file:line:col>`.
 */
import type { Block, Op, Program, ValueId } from "../ir/ir.ts";
import { collectiveKinds, isLoop } from "../ir/opAttrs.ts";
import { formatLoc } from "../ir/printer.ts";
import { formatShardingSource } from "../ir/shardingAssignment.ts";
import { sameSharding } from "../ir/sharding.ts";

/** The source text of every op of `program` (lowered), by its output value; empty when the program has no assignment. */
export function shardingSources(program: Program): ReadonlyMap<ValueId, string> {
  const sources = new Map<ValueId, string>();
  const assignment = program.assignment;
  if (assignment === undefined) return sources;
  const made = new Map<ValueId, Op>();
  const readers = new Map<ValueId, Op>();
  const visit = (block: Block): void => {
    for (const statement of block) {
      if (isLoop(statement)) {
        visit(statement.body);
        continue;
      }
      made.set(statement.output, statement);
      for (const input of statement.inputs) if (!readers.has(input)) readers.set(input, statement);
    }
  };
  visit(program.body);
  /** The value of the user's program a chain of conversions starts from. */
  const origin = (id: ValueId): ValueId => {
    let current = id;
    for (let op = made.get(current); op && collectiveKinds.has(op.op) && !assignment.held.has(current); op = made.get(current)) current = op.inputs[0];
    return current;
  };
  for (const [id, op] of made) {
    const held = assignment.held.get(id);
    if (!collectiveKinds.has(op.op)) {
      if (held === undefined) continue;
      const constrained = op.op === "param" || op.op === "full" || op.op === "relayout";
      sources.set(id, constrained || assignment.strategy === "optimize" ? formatShardingSource(held.source) : `propagated (${op.op})`);
      continue;
    }
    const from = assignment.held.get(origin(id));
    const sharding = program.values.get(id)?.sharding;
    if (from !== undefined && sameSharding(sharding, from.sharding)) {
      sources.set(id, formatShardingSource(from.source));
    } else {
      const reader = firstNonCollectiveReader(id, readers);
      sources.set(id, reader === undefined ? "conversion" : `read by ${reader.op} at ${formatLoc(reader.loc)}`);
    }
  }
  return sources;
}

function firstNonCollectiveReader(id: ValueId, readers: ReadonlyMap<ValueId, Op>): Op | undefined {
  let current = readers.get(id);
  while (current && collectiveKinds.has(current.op)) current = readers.get(current.output);
  return current;
}
