/**
 * Which indexed values of a loop the TypeScript back end can read straight
 * from an array parameter at the loop index. A loop over
 * `params.layers[i].attention.wq` reaches the IR as one `param` op per layer
 * (`params.layers.0.attention.wq`, `params.layers.1.attention.wq`, ...) and an
 * indexed entry that lists them; when the k-th item is exactly the leaf at
 * index k of one array parameter, with the same path after the index, the
 * loop body can say `params.layers[i].attention.wq` and the leaves need no
 * declarations before the loop; items in reverse order (a reverse loop of a
 * training step) read `params.layers[n - 1 - i]`. Anything else (an item that a collective
 * converted first, indices out of order, two arrays mixed) falls back to a
 * list of the items.
 */
import type { Block, Loop, Program, ValueId, ValueTree } from "../../ir/ir.ts";
import { isLoop, walkOps } from "../../ir/opAttrs.ts";

/** An indexed entry read as `<param>.<arrayPath>[index].<rest>`. */
export interface IndexedAccess {
  /** The value inside the loop body. */
  readonly param: ValueId;
  /** The model function's parameter that holds the array. */
  readonly root: string;
  /** Field names from the parameter to the array (empty when the parameter is the array). */
  readonly arrayPath: readonly string[];
  /** Field names from an array item to the leaf (empty when the items are tensors). */
  readonly rest: readonly string[];
  /** The items, one param leaf per iteration. */
  readonly items: readonly ValueId[];
  /** Read last to first: iteration i reads index `items.length - 1 - i` (a reverse loop over the layers). */
  readonly reversed: boolean;
}

/** The loops of a program with, per indexed entry, its array access or undefined (read from a list of items). */
export type LoopAccesses = ReadonlyMap<Loop, readonly (IndexedAccess | undefined)[]>;

function subtree(tree: ValueTree | undefined, segment: string): ValueTree | undefined {
  if (tree?.kind === "object") return tree.fields[segment];
  if (tree?.kind === "array" && /^[0-9]+$/.test(segment)) return tree.items[Number(segment)];
  return undefined;
}

/** The access for items whose param paths are `paths` (split at dots), or undefined when they are not one array's leaves in order. */
function accessOf(program: Program, param: ValueId, items: readonly ValueId[], paths: readonly (readonly string[])[]): IndexedAccess | undefined {
  const [first] = paths;
  if (!first || paths.some((path) => path.length !== first.length)) return undefined;
  for (let position = 1; position < first.length; position++) {
    const inOrder = paths.every((path, index) => path[position] === String(index));
    const reversed = !inOrder && paths.every((path, index) => path[position] === String(paths.length - 1 - index));
    const othersEqual = paths.every((path) => path.every((segment, at) => at === position || segment === paths[0][at]));
    if ((!inOrder && !reversed) || !othersEqual) continue;
    const [root, ...arrayPath] = first.slice(0, position);
    const array = arrayPath.reduce<ValueTree | undefined>(subtree, program.params.find((entry) => entry.name === root)?.tree);
    if (array?.kind !== "array" || array.items.length < items.length) return undefined;
    return { param, root, arrayPath, rest: first.slice(position + 1), items, reversed };
  }
  return undefined;
}

/** The array access of every indexed entry of every loop in `program` (see the module comment). */
export function loopAccesses(program: Program): LoopAccesses {
  const paramPaths = new Map<ValueId, string[]>();
  for (const op of walkOps(program.body)) if (op.op === "param") paramPaths.set(op.output, op.path.split("."));
  const accesses = new Map<Loop, (IndexedAccess | undefined)[]>();
  const visit = (block: Block): void => {
    for (const statement of block) {
      if (!isLoop(statement)) continue;
      accesses.set(statement, statement.indexed.map((entry) => {
        const paths = entry.items.map((item) => paramPaths.get(item));
        if (paths.some((path) => path === undefined)) return undefined;
        return accessOf(program, entry.param, entry.items, paths as string[][]);
      }));
      visit(statement.body);
    }
  };
  visit(program.body);
  return accesses;
}

/**
 * The param leaves that only the array accesses read: nothing else in the
 * program uses them (no op, no carried value, no list of items, not the result),
 * so the back end need not declare them.
 */
export function leavesReadOnlyByAccesses(program: Program, accesses: LoopAccesses): ReadonlySet<ValueId> {
  const used = new Set<ValueId>();
  const visitTree = (tree: ValueTree): void => {
    if (tree.kind === "tensor") used.add(tree.value);
    else for (const item of tree.kind === "array" ? tree.items : Object.values(tree.fields)) visitTree(item);
  };
  const visit = (block: Block): void => {
    for (const statement of block) {
      if (!isLoop(statement)) {
        for (const input of statement.inputs) used.add(input);
        continue;
      }
      for (const entry of statement.carried) used.add(entry.init).add(entry.result);
      const handled = accesses.get(statement) ?? [];
      statement.indexed.forEach((entry, position) => {
        if (!handled[position]) for (const item of entry.items) used.add(item);
      });
      visit(statement.body);
    }
  };
  visit(program.body);
  visitTree(program.result);
  const readOnlyByAccesses = new Set<ValueId>();
  for (const handled of accesses.values()) {
    for (const access of handled) for (const item of access?.items ?? []) if (!used.has(item)) readOnlyByAccesses.add(item);
  }
  return readOnlyByAccesses;
}
