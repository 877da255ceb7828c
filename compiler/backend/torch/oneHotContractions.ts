/**
 * Einsums with a one-hot operand, emitted without the one-hot (runtime/meshtype_torch/lookup.py).
 *
 * meshtype's embedding is `oneHot(ids) · table`, its cross-entropy picks the
 * target logit as `oneHot(targets) · logits`, and the embedding's gradient is
 * `oneHot(ids)ᵀ · dy`: under a vocabulary split every device one-hots against
 * its own block (a `localSlice` of the one-hot). Built densely, the one-hot has
 * `vocab` entries per token and each einsum reads all of them. Here such an
 * einsum becomes a row lookup (`mt.lookup`, as `F.embedding`), a `gather`
 * along the vocabulary (`mt.pick`) or an `index_add_` (`mt.scatter_add`), from
 * the ids and this rank's first id; the cross-entropy's backward,
 * `oneHot(targets) ⊙ cotangent` with the one-hot's dims, is a `scatter` of the
 * cotangent into zeros (`mt.scatter`), or, added to another tensor, into that
 * tensor (`mt.scatter_into`, peepholes.ts). The one-hot itself is built only
 * when some other op reads it.
 */
import type { Dim } from "../../../dsl/tensor.ts";
import type { Block, Op, Program, Value, ValueId, ValueTree } from "../../ir/ir.ts";
import { isLoop, loopYields } from "../../ir/opAttrs.ts";
import { einsumEquation } from "./einsumSubscripts.ts";
import { pythonNumber, pythonString, pythonTuple } from "./python.ts";
import { alignTo, type TorchOperand } from "./emitTorchOp.ts";

/** A one-hot value: `oneHot(ids, dim)`, or a block of one along `dim` (`localSlice`s of it, this rank's ids). */
export interface OneHotSource {
  readonly ids: ValueId;
  readonly dim: string;
  /** The one-hot's full size along `dim` (ids at or past it give zeros). */
  readonly limit: number;
  /** This rank's first id, a Python expression (`0`, `mesh.coords["model"] * 8`). */
  readonly offset: string;
}

function localDims(value: Value): readonly Dim[] {
  return value.localDims ?? value.dims;
}

function walk(block: Block, visit: (op: Op) => void): void {
  for (const statement of block) {
    if (isLoop(statement)) walk(statement.body, visit);
    else visit(statement);
  }
}

/** Every one-hot value of `program` and what it is a one-hot of. */
export function oneHotSources(program: Program): Map<ValueId, OneHotSource> {
  const sources = new Map<ValueId, OneHotSource>();
  walk(program.body, (op) => {
    if (op.op === "oneHot") {
      sources.set(op.output, { ids: op.inputs[0], dim: op.dim.name, limit: op.dim.size, offset: "0" });
    } else if (op.op === "localSlice") {
      const source = sources.get(op.inputs[0]);
      const size = localDims(program.values.get(op.output) as Value).find((dim) => dim.name === op.dim)?.size;
      if (source && source.dim === op.dim && size !== undefined) {
        const start = `mesh.coords[${pythonString(op.axis)}] * ${size}`;
        sources.set(op.output, { ...source, offset: source.offset === "0" ? start : `${source.offset} + ${start}` });
      }
    }
  });
  return sources;
}

/** The lookup, pick or scatter-add that computes `op` (a two-operand einsum with a one-hot operand), or undefined. */
export function oneHotContraction(
  op: Op,
  operands: readonly TorchOperand[],
  output: Value,
  sources: ReadonlyMap<ValueId, OneHotSource>,
  ids: (source: OneHotSource) => TorchOperand,
): string | undefined {
  if (op.op !== "einsum" || operands.length !== 2) return undefined;
  const side = sources.has(op.inputs[0]) ? 0 : sources.has(op.inputs[1]) ? 1 : undefined;
  if (side === undefined) return undefined;
  const source = sources.get(op.inputs[side]) as OneHotSource;
  const hot = operands[side];
  const other = operands[1 - side];
  const idsOperand = ids(source);
  const idNames = localDims(idsOperand.value).map((dim) => dim.name);
  const hotNames = localDims(hot.value).map((dim) => dim.name);
  if (hotNames.join(" ") !== [...idNames, source.dim].join(" ")) return undefined;
  const otherNames = localDims(other.value).map((dim) => dim.name);
  const outNames = localDims(output).map((dim) => dim.name);
  const finish = (expression: string, names: readonly string[]): string => {
    if (names.join(" ") === outNames.join(" ")) return expression;
    // only dims summed away, the others kept in order: a sum (a fraction of an einsum's cost per call)
    const kept = names.filter((name) => outNames.includes(name));
    if (kept.length === outNames.length && kept.every((name, index) => name === outNames[index])) {
      const summed = names.flatMap((name, index) => (outNames.includes(name) ? [] : [index]));
      return outNames.length === 0 ? `torch.sum(${expression})` : `torch.sum(${expression}, dim=${pythonTuple(summed)})`;
    }
    return `torch.einsum(${pythonString(einsumEquation([names], outNames))}, ${expression})`;
  };
  const shared = idNames.filter((name) => otherNames.includes(name));
  const rest = otherNames.filter((name) => name !== source.dim);
  const block = `${source.offset}, ${source.limit}`;
  if (otherNames.includes(source.dim) && !outNames.includes(source.dim)) {
    if (shared.length === 0) {
      // oneHot(ids) · table: the rows of the table
      return finish(`mt.lookup(${other.name}, ${otherNames.indexOf(source.dim)}, ${idsOperand.name}, ${block})`, [...idNames, ...rest]);
    }
    if (shared.length === idNames.length && rest.length === idNames.length) {
      // oneHot(targets) ⊙ logits: the logit of each target
      return finish(`mt.pick(${other.name}, ${otherNames.indexOf(source.dim)}, ${alignTo(idsOperand, rest)}, ${block})`, rest);
    }
    return undefined;
  }
  if (isScatter(hotNames, otherNames, outNames, idNames, source.dim)) {
    // oneHot(ids) ⊙ values: the values written at their ids along the one-hot's dim, zeros elsewhere
    return scatterExpression(alignTo(other, outNames.filter((name) => name !== source.dim)), output, source, idsOperand);
  }
  if (outNames.includes(source.dim) && !otherNames.includes(source.dim) && shared.length === idNames.length && !idNames.some((name) => outNames.includes(name))) {
    // oneHot(ids)ᵀ · dy: the rows of dy added into the rows of their ids
    const kept = otherNames.filter((name) => !idNames.includes(name));
    const size = localDims(hot.value).find((dim) => dim.name === source.dim)?.size as number;
    const rows = alignTo(other, [...idNames, ...kept]);
    return finish(`mt.scatter_add(${rows}, ${idsOperand.name}, ${source.offset}, ${size}, ${source.limit})`, [source.dim, ...kept]);
  }
  return undefined;
}

/** Whether an einsum of a one-hot (dims `hotNames`: the ids' then `dim`) and `otherNames` to `outNames` writes the other at the ids: the other has no `dim` and only ids' dims, the output has the one-hot's dims. */
function isScatter(hotNames: readonly string[], otherNames: readonly string[], outNames: readonly string[], idNames: readonly string[], dim: string): boolean {
  return !otherNames.includes(dim) && otherNames.every((name) => idNames.includes(name)) && outNames.length === hotNames.length && hotNames.every((name) => outNames.includes(name));
}

/** A scatter-shaped einsum (`oneHot(ids) ⊙ values`, the output of the one-hot's dims): its one-hot and its values operand. */
export interface OneHotScatter {
  readonly source: OneHotSource;
  /** The other operand: of some of the ids' dims (or none), not the one-hot's dim. */
  readonly values: ValueId;
}

/**
 * Whether `op` is `oneHot(ids) ⊙ values` with the output of the one-hot's dims (a cross-entropy's backward:
 * the cotangent of the picked logits, written at the targets), and its parts; undefined otherwise.
 */
export function oneHotScatter(op: Op, valueOf: (id: ValueId) => Value, sources: ReadonlyMap<ValueId, OneHotSource>): OneHotScatter | undefined {
  if (op.op !== "einsum" || op.inputs.length !== 2) return undefined;
  const side = sources.has(op.inputs[0]) ? 0 : sources.has(op.inputs[1]) ? 1 : undefined;
  if (side === undefined) return undefined;
  const source = sources.get(op.inputs[side]) as OneHotSource;
  const names = (id: ValueId): string[] => localDims(valueOf(id)).map((dim) => dim.name);
  const idNames = names(source.ids);
  const hotNames = names(op.inputs[side]);
  if (hotNames.join(" ") !== [...idNames, source.dim].join(" ")) return undefined;
  return isScatter(hotNames, names(op.inputs[1 - side]), names(op.output), idNames, source.dim) ? { source, values: op.inputs[1 - side] } : undefined;
}

/** The dim of `output` along which a scatter writes, and `ids` laid out along its other dims. */
function scatterPlace(output: Value, source: OneHotSource, ids: TorchOperand): { readonly dim: number; readonly ids: string } {
  const outNames = localDims(output).map((dim) => dim.name);
  return { dim: outNames.indexOf(source.dim), ids: alignTo(ids, outNames.filter((name) => name !== source.dim)) };
}

/** `oneHot(ids) ⊙ values` (`values` an expression along the output's other dims) as `mt.scatter`: no one-hot built. */
export function scatterExpression(values: string, output: Value, source: OneHotSource, ids: TorchOperand): string {
  const place = scatterPlace(output, source, ids);
  const size = localDims(output)[place.dim].size;
  return `mt.scatter(${values}, ${place.dim}, ${place.ids}, ${source.offset}, ${size}, ${source.limit})`;
}

/** `into + oneHot(ids) ⊙ values` (`values` a tensor of some of the ids' dims, or a number) as one `mt.scatter_into`. */
export function scatterIntoExpression(into: string, values: TorchOperand | number, output: Value, source: OneHotSource, ids: TorchOperand): string {
  const place = scatterPlace(output, source, ids);
  const rest = localDims(output).map((dim) => dim.name).filter((name) => name !== source.dim);
  const written = typeof values === "number" ? pythonNumber(values) : alignTo(values, rest);
  return `mt.scatter_into(${into}, ${place.dim}, ${place.ids}, ${written}, ${source.offset}, ${source.limit})`;
}

function treeValues(tree: ValueTree, into: Set<ValueId>): void {
  if (tree.kind === "tensor") into.add(tree.value);
  else if (tree.kind === "array") tree.items.forEach((item) => treeValues(item, into));
  else Object.values(tree.fields).forEach((item) => treeValues(item, into));
}

/**
 * The one-hot values that must be built: read by an op other than the einsums `rewritten` says it computes
 * without them, by a loop (carried, indexed, yielded) or returned. A block (`localSlice`) of a one-hot is built
 * from the ids (`oneHotBlock`), so it needs no whole one-hot to slice.
 */
export function denseOneHots(program: Program, sources: ReadonlyMap<ValueId, OneHotSource>, rewritten: (op: Op) => boolean): Set<ValueId> {
  const reads = new Set<ValueId>();
  const visit = (block: Block): void => {
    for (const statement of block) {
      if (isLoop(statement)) {
        for (const entry of statement.carried) reads.add(entry.init).add(entry.result);
        for (const entry of statement.indexed) entry.items.forEach((item) => reads.add(item));
        for (const entry of loopYields(statement)) reads.add(entry.result);
        visit(statement.body);
      } else if (!(statement.op === "localSlice" && sources.has(statement.output)) && !rewritten(statement)) {
        statement.inputs.forEach((input) => reads.add(input));
      }
    }
  };
  visit(program.body);
  treeValues(program.result, reads);
  return new Set([...reads].filter((id) => sources.has(id)));
}

/** A block of a one-hot that must be built, from the ids (`mt.one_hot`): not the whole one-hot, sliced. */
export function oneHotBlock(source: OneHotSource, size: number, ids: string, dtype: string): string {
  return `mt.one_hot(${ids}, ${source.offset}, ${size}, ${source.limit}, ${dtype})`;
}
