/**
 * Chained per-axis all-reduces merged, for the torch back end: where an
 * all-reduce over some axes reads the result of an all-reduce of the same
 * reduction over other axes, and nothing else reads that result, the two are
 * one all-reduce over the joint group (`mesh.all_reduce(x, "data+model",
 * "sum")`): a sum (or max) over the data axis and then over the model axis
 * is the sum (max) over both, in one call of one group instead of two. The
 * lowering already emits one such call where one conversion reduces several
 * axes; this catches two conversions in a row. The simulated mesh and the
 * TypeScript back end keep the program as lowered (they are the reference).
 */
import type { Block, Loop, Op, Program, ValueId, ValueTree } from "../../ir/ir.ts";
import { isLoop } from "../../ir/opAttrs.ts";

type AllReduce = Op & { readonly op: "allReduce" };

function axesOf(op: AllReduce): string[] {
  return [op.axis, ...(op.alsoOver ?? [])];
}

/** How many times each value is read: by ops, loops (inits, items, results, yields) and the program's result. */
function readCounts(program: Program): Map<ValueId, number> {
  const counts = new Map<ValueId, number>();
  const read = (id: ValueId): void => {
    counts.set(id, (counts.get(id) ?? 0) + 1);
  };
  const visitTree = (tree: ValueTree): void => {
    if (tree.kind === "tensor") read(tree.value);
    else if (tree.kind === "array") tree.items.forEach(visitTree);
    else Object.values(tree.fields).forEach(visitTree);
  };
  const visit = (block: Block): void => {
    for (const statement of block) {
      if (isLoop(statement)) {
        for (const entry of statement.carried) {
          read(entry.init);
          read(entry.result);
        }
        for (const entry of statement.indexed) entry.items.forEach(read);
        for (const entry of statement.yields ?? []) read(entry.result);
        visit(statement.body);
      } else statement.inputs.forEach(read);
    }
  };
  visit(program.body);
  visitTree(program.result);
  return counts;
}

/**
 * `program` with each chain of two all-reduces of one value (the same reduction over disjoint axes, in one block,
 * the first one's result read only by the second) made one all-reduce over all their axes, in mesh order;
 * `program` itself when there is none. Longer chains merge pairwise until none is left.
 */
export function mergeChainedReductions(program: Program): Program {
  let current = program;
  for (;;) {
    const next = mergeOnce(current);
    if (next === current) return current;
    current = next;
  }
}

function mergeOnce(program: Program): Program {
  const counts = readCounts(program);
  const meshOrder = program.mesh.map((axis) => axis.name);
  let changed = false;
  const rewrite = (block: Block): Block => {
    const producers = new Map<ValueId, AllReduce>();
    for (const statement of block) if (!isLoop(statement) && statement.op === "allReduce") producers.set(statement.output, statement);
    const dropped = new Set<Op>();
    const replaced = new Map<Op, Op>();
    for (const statement of block) {
      if (isLoop(statement) || statement.op !== "allReduce") continue;
      const first = producers.get(statement.inputs[0]);
      if (!first || dropped.has(first) || replaced.has(first) || counts.get(first.output) !== 1 || first.reduce !== statement.reduce) continue;
      const axes = new Set([...axesOf(first), ...axesOf(statement)]);
      if (axes.size !== axesOf(first).length + axesOf(statement).length) continue;
      const [axis, ...alsoOver] = meshOrder.filter((name) => axes.has(name));
      dropped.add(first);
      replaced.set(statement, { ...statement, inputs: [first.inputs[0]], axis, alsoOver });
      changed = true;
    }
    return block.flatMap((statement): (Op | Loop)[] => {
      if (isLoop(statement)) {
        const body = rewrite(statement.body);
        return [body === statement.body ? statement : { ...statement, body }];
      }
      if (dropped.has(statement)) return [];
      return [replaced.get(statement) ?? statement];
    });
  };
  const body = rewrite(program.body);
  return changed ? { ...program, body } : program;
}
