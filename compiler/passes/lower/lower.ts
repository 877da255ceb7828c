/**
 * lower: materialize the shardings `assignShardings` decided
 * (`Program.assignment`) into a device program. Every value gets its
 * sharding (one state per mesh axis: split(dim) | replicated | partial) and
 * local dims; where an op reads an operand in another sharding than the one
 * the operand is held in, the collectives of the conversion table appear as
 * ops of their own (conversionTable.ts). Nothing is decided here:
 *
 * - each op reads its operands in its strategy's shardings and computes its
 *   result in the strategy's output sharding;
 * - a result held in another sharding than it is computed in is converted
 *   once: at once when that is free (a local slice), else at its first read
 *   (a pending sum reduced for all its consumers);
 * - a value converted to one sharding is converted once and reused by every
 *   later consumer (conversionCache.ts); the conversion is emitted in the
 *   block where the value is defined, so a value defined before a loop is
 *   converted before it, not once per iteration;
 * - loops are lowered once: carried and indexed values are held in their
 *   decided sharding at entry and converted back to it at the end of the
 *   body; a yielded value is converted in the body to its items' decided
 *   sharding; the result leaves in its decided sharding (never partial);
 * - conv2d's split spatial dims get their halo exchanges (lowerConv.ts);
 * - where an op reads along an unevenly split dim (a reduction, a
 *   contraction, ids), the padding is masked first (maskPadding.ts).
 */
import type { Dim } from "../../../dsl/tensor.ts";
import type { Loop, Op, Program, Sharding, SourceLoc, ValueId, ValueTree } from "../../ir/ir.ts";
import { isLoop, loopYields } from "../../ir/opAttrs.ts";
import { ProgramRewriter } from "../../ir/rewriter.ts";
import type { ShardingAssignment } from "../../ir/shardingAssignment.ts";
import { localDimsOf, sameSharding } from "../../ir/sharding.ts";
import { ConversionCache } from "./conversionCache.ts";
import { planConversion } from "./conversionTable.ts";
import { lowerConv } from "./lowerConv.ts";
import { paddingMasks } from "./maskPadding.ts";

class Materializer {
  readonly rewriter: ProgramRewriter;
  readonly mesh: Program["mesh"];
  /** Source values already converted to their held sharding: the value that holds them so. */
  private readonly held = new Map<ValueId, ValueId>();
  /** The block depth each value of the device program is defined at (0: the program body). */
  private readonly depthOf = new Map<ValueId, number>();
  private readonly conversions: ConversionCache;
  /** Masked copies of values defined in the program body, by value, dims and fill (maskPadding.ts). */
  private readonly masks = new Map<string, ValueId>();
  /** Local dims by dims array and sharding: the values of a model's layers share both, so each is computed once. */
  private readonly localDimsCache = new WeakMap<readonly Dim[], Map<Sharding, readonly Dim[]>>();

  constructor(private readonly program: Program, private readonly assignment: ShardingAssignment) {
    this.rewriter = new ProgramRewriter(program);
    this.mesh = program.mesh;
    this.conversions = new ConversionCache(program.mesh);
  }

  bug(message: string): never {
    throw new Error(`lower "${this.program.name}": ${message}`);
  }

  /** The sharding a device-program value has. */
  sharding(id: ValueId): Sharding {
    return this.rewriter.value(id).sharding ?? this.bug(`%${id} has no sharding yet`);
  }

  /** The decided held sharding of source value `id`. */
  heldSharding(id: ValueId): Sharding {
    return this.assignment.held.get(id)?.sharding ?? this.bug(`the assignment holds no sharding for %${id}`);
  }

  /** The local dims of a value of `dims` in `sharding` (a shared, read-only array). */
  localDims(dims: readonly Dim[], sharding: Sharding): readonly Dim[] {
    let bySharding = this.localDimsCache.get(dims);
    if (bySharding === undefined) {
      bySharding = new Map();
      this.localDimsCache.set(dims, bySharding);
    }
    let local = bySharding.get(sharding);
    if (local === undefined) {
      local = localDimsOf(dims, sharding, this.program.mesh);
      bySharding.set(sharding, local);
    }
    return local;
  }

  /** Give a value of the source program its sharding and local dims, in the current block. */
  define(id: ValueId, sharding: Sharding, depth = this.rewriter.depth(), localDims?: readonly Dim[]): void {
    const value = this.rewriter.value(id);
    this.rewriter.setValue({ id, dims: value.dims, hint: value.hint, sharding, localDims: localDims ?? this.localDims(value.dims, sharding) });
    this.depthOf.set(id, depth);
  }

  /** A fresh device-program value in the current block (a halo's). */
  newValue(like: ValueId, hint: string | undefined, sharding: Sharding): ValueId {
    const value = this.rewriter.value(like);
    const id = this.rewriter.newValue(value.dims, hint, sharding, this.localDims(value.dims, sharding));
    this.depthOf.set(id, this.rewriter.depth());
    return id;
  }

  /** `id` in sharding `to`: the same value, a cached conversion, or new collectives emitted in the block that defines `id`. */
  convert(id: ValueId, to: Sharding, loc: SourceLoc): ValueId {
    const from = this.sharding(id);
    if (sameSharding(from, to)) return id;
    const hit = this.conversions.get(id, to);
    if (hit !== undefined) return hit;
    const depth = this.depthOf.get(id) ?? this.rewriter.depth();
    const value = this.rewriter.value(id);
    let input = id;
    for (const step of planConversion(from, to, this.program.mesh)) {
      const output = this.rewriter.newValue(value.dims, value.hint, step.after, this.localDims(value.dims, step.after));
      this.depthOf.set(output, depth);
      this.rewriter.emitAt(depth, { ...step.attrs, inputs: [input], output, loc } as Op);
      input = output;
    }
    this.conversions.set(id, to, input, depth);
    return input;
  }

  /** Source value `id` in its held sharding (converted at its first read when it is computed in another). */
  heldValue(id: ValueId, loc: SourceLoc): ValueId {
    const ready = this.held.get(id);
    if (ready !== undefined) return ready;
    const converted = this.convert(id, this.heldSharding(id), loc);
    this.held.set(id, converted);
    return converted;
  }

  /** Source value `id` read in sharding `to`: from its held sharding. */
  read(id: ValueId, to: Sharding, loc: SourceLoc): ValueId {
    return this.convert(this.heldValue(id, loc), to, loc);
  }

  /** After an op: convert its result to its held sharding at once when that is free (local slices only). */
  settle(id: ValueId, loc: SourceLoc): void {
    const held = this.heldSharding(id);
    const from = this.sharding(id);
    if (sameSharding(from, held)) return;
    if (planConversion(from, held, this.program.mesh).every((step) => step.attrs.op === "localSlice")) this.heldValue(id, loc);
  }

  strategy(op: Op): { operands: readonly Sharding[]; output: Sharding } {
    return this.assignment.ops.get(op.output) ?? this.bug(`the assignment has no strategy for %${op.output}`);
  }

  op(op: Op): void {
    if (op.op === "conv2d") return lowerConv(this, op, this.strategy(op));
    const strategy = this.strategy(op);
    // a relayoutLike (two inputs) reads only its first: the second gave its sharding
    const inputs = op.op === "relayout" ? op.inputs.slice(0, 1) : op.inputs;
    const converted = inputs.map((input, index) => this.read(input, strategy.operands[index], op.loc));
    this.define(op.output, strategy.output);
    this.rewriter.emit({ ...op, inputs: this.masked(op, converted) });
    this.settle(op.output, op.loc);
  }

  /**
   * The operands of `op` (defined already: its output too) with the padding
   * of unevenly split dims masked where the op would read it (maskPadding.ts),
   * each mask made once per value, dims and fill, in the block of the value.
   */
  masked(op: Op, operands: readonly ValueId[]): ValueId[] {
    if (operands.length === 0) return []; // a param (one per layer and leaf): nothing to mask
    const values = operands.map((id) => this.rewriter.value(id));
    const masks = paddingMasks(op, values, this.rewriter.value(op.output), this.mesh);
    return operands.map((id, index) => {
      const mask = masks[index];
      if (mask === undefined) return id;
      const key = `%${id} ${mask.dims.join(" ")} ${mask.fill}`;
      const known = this.masks.get(key);
      if (known !== undefined) return known;
      const depth = this.depthOf.get(id) ?? this.rewriter.depth();
      const value = this.rewriter.value(id);
      const sharding = this.sharding(id);
      const output = this.rewriter.newValue(value.dims, value.hint === undefined ? undefined : `${value.hint}.masked`, sharding, localDimsOf(value.dims, sharding, this.mesh));
      this.depthOf.set(output, depth);
      this.rewriter.emitAt(depth, { op: "maskPadding", dims: mask.dims, fill: mask.fill, inputs: [id], output, loc: op.loc });
      if (depth === 0) this.masks.set(key, output);
      return output;
    });
  }

  loop(loop: Loop): void {
    const inner = this.rewriter.depth() + 1;
    const carried = loop.carried.map((entry) => {
      const sharding = this.heldSharding(entry.param);
      this.define(entry.param, sharding, inner);
      this.define(entry.output, sharding);
      return { ...entry, init: this.read(entry.init, sharding, loop.loc) };
    });
    const indexed = loop.indexed.map((entry) => {
      const sharding = this.heldSharding(entry.param);
      this.define(entry.param, sharding, inner);
      return { ...entry, items: entry.items.map((item) => this.read(item, sharding, loop.loc)) };
    });
    this.rewriter.openBlock();
    this.conversions.enterBlock();
    this.block(loop.body);
    const results = carried.map((entry) => this.read(entry.result, this.sharding(entry.param), loop.loc));
    // A yielded value leaves the body in its items' decided sharding (converted in the body when they differ).
    const yields = loopYields(loop).map((entry) => {
      const sharding = this.heldSharding(entry.items[0]);
      const result = this.read(entry.result, sharding, loop.loc);
      return { entry: { ...entry, result }, sharding };
    });
    this.conversions.exitBlock();
    const body = this.rewriter.closeBlock();
    // the items have the body value's dims (the verifier checks it): their local dims are computed once per yield
    const depth = this.rewriter.depth();
    for (const { entry, sharding } of yields) {
      const localDims = this.localDims(this.rewriter.value(entry.items[0]).dims, sharding);
      for (const item of entry.items) this.define(item, sharding, depth, localDims);
    }
    this.rewriter.emit({
      ...loop, carried: carried.map((entry, index) => ({ ...entry, result: results[index] })), indexed,
      ...(yields.length > 0 ? { yields: yields.map((item) => item.entry) } : {}), body,
    });
  }

  block(block: readonly (Op | Loop)[]): void {
    for (const statement of block) {
      if (isLoop(statement)) this.loop(statement);
      else this.op(statement);
    }
  }

  result(tree: ValueTree): ValueTree {
    switch (tree.kind) {
      case "tensor": {
        const sharding = this.assignment.results.get(tree.value) ?? this.bug(`the assignment has no result sharding for %${tree.value}`);
        return { kind: "tensor", value: this.read(tree.value, sharding, this.program.loc) };
      }
      case "array":
        return { kind: "array", items: tree.items.map((item) => this.result(item)) };
      case "object": {
        const fields: Record<string, ValueTree> = {};
        for (const field in tree.fields) fields[field] = this.result(tree.fields[field]);
        return { kind: "object", fields };
      }
    }
  }
}

/** The type `lowerConv` sees. */
export type ConvMaterializer = Pick<Materializer, "rewriter" | "mesh" | "read" | "sharding" | "define" | "newValue" | "settle" | "masked">;

/** The lower pass (see the module comment). Needs the program's `assignment` (run `assignShardings` first). */
export function lower(program: Program): Program {
  if (program.stage !== "global") throw new Error(`lower: program "${program.name}" is already lowered`);
  if (program.assignment === undefined) throw new Error(`lower: program "${program.name}" has no sharding assignment; run assignShardings first`);
  const materializer = new Materializer(program, program.assignment);
  materializer.block(program.body);
  const result = materializer.result(program.result);
  return { ...program, stage: "lowered", body: materializer.rewriter.body(), result, values: materializer.rewriter.values };
}
