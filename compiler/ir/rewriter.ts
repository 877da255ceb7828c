/**
 * ProgramRewriter: what a pass uses to build a new program from an old one.
 * It starts from the old program's values (ids keep their meaning), hands out
 * fresh ids above them, and collects ops into nested blocks.
 */
import type { Dim } from "../../dsl/tensor.ts";
import type { Block, Loop, Op, Program, Sharding, Value, ValueId } from "./ir.ts";

/** Builds the values and body of a rewritten program. */
export class ProgramRewriter {
  /** Every value of the new program (the old ones are copied in at the start). */
  readonly values: Map<ValueId, Value>;
  private nextId: number;
  private readonly blocks: (Op | Loop)[][] = [[]];

  constructor(readonly source: Program) {
    this.values = new Map(source.values);
    // A loop, not Math.max(...keys): spreading the ids of a large program overflows the call stack.
    let largest = -1;
    for (const id of source.values.keys()) if (id > largest) largest = id;
    this.nextId = largest + 1;
  }

  /** The value `id` (old or new); throws (a bug) when there is none. */
  value(id: ValueId): Value {
    const value = this.values.get(id);
    if (!value) throw new Error(`rewriter: %${id} is not defined in "${this.source.name}"`);
    return value;
  }

  /** A fresh value with these dims (and, in lowered programs, its sharding and local dims). */
  newValue(dims: readonly Dim[], hint: string | undefined, sharding?: Sharding, localDims?: readonly Dim[]): ValueId {
    const id = this.nextId++;
    this.setValue({ id, dims, hint, sharding, localDims });
    return id;
  }

  /** Replace the record of a value (e.g. to add its sharding). Undefined fields are left out. */
  setValue(value: Value): void {
    const record: { -readonly [K in keyof Value]: Value[K] } = { id: value.id, dims: value.dims };
    if (value.hint !== undefined) record.hint = value.hint;
    if (value.sharding !== undefined) record.sharding = value.sharding;
    if (value.localDims !== undefined) record.localDims = value.localDims;
    this.values.set(value.id, record);
  }

  /** Append a statement to the innermost open block. */
  emit(statement: Op | Loop): void {
    this.blocks[this.blocks.length - 1].push(statement);
  }

  /**
   * Append a statement to the open block at `depth` (0: the top level; the
   * innermost is `depth()`): before the loop statement of every block nested
   * in it, which is emitted when that block closes.
   */
  emitAt(depth: number, statement: Op | Loop): void {
    if (depth < 0 || depth >= this.blocks.length) throw new Error(`rewriter: no open block at depth ${depth}`);
    this.blocks[depth].push(statement);
  }

  /** The depth of the innermost open block (0 at the top level). */
  depth(): number {
    return this.blocks.length - 1;
  }

  /** Start collecting a nested block (a loop body). */
  openBlock(): void {
    this.blocks.push([]);
  }

  /** Stop collecting the innermost nested block and return it. */
  closeBlock(): Block {
    if (this.blocks.length < 2) throw new Error("rewriter: closeBlock without openBlock");
    return this.blocks.pop() as Block;
  }

  /** The top-level block, once every nested block is closed. */
  body(): Block {
    if (this.blocks.length !== 1) throw new Error("rewriter: a nested block is still open");
    return this.blocks[0];
  }
}
