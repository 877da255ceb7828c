/**
 * ProgramBuilder: the one way to make IR. The front end and the tests add
 * params, ops and loops in program order; the builder gives each value an id,
 * infers its dims (compiler/ir/inferDims.ts, over dsl/ops/shapeRules.ts) and
 * hands back a `Program` from `finish()`.
 *
 * @example
 * const b = new ProgramBuilder({ name: "mlp8", mesh: [{ name: "model", size: 2 }], layoutSpec: "d_ff:model" });
 * const x = b.param("x", [{ name: "batch", size: 4 }, { name: "d_model", size: 8 }]);
 * const w = b.param("w", [{ name: "d_model", size: 8 }, { name: "d_ff", size: 16 }]);
 * const h = b.add({ op: "einsum" }, [x, w], { out: ["batch", "d_ff"] });
 * b.setResult(b.add({ op: "unary", fn: "relu" }, [h]));
 * const program = b.finish();
 */
import { defaultDtype, type Dtype } from "../../dsl/dtype.ts";
import type { Dim } from "../../dsl/tensor.ts";
import type { MeshAxis } from "../../dsl/mesh.ts";
import { isOpenLayout, parseLayout, type LayoutRule } from "../../dsl/parseLayout.ts";
import type { Block, GradientPair, Loop, LoopYield, Op, Phase, Program, ProgramSources, SourceLoc, Value, ValueId, ValueTree } from "./ir.ts";
import { inferDims } from "./inferDims.ts";
import { loopOutputs, type OpAttrs } from "./opAttrs.ts";

/** Where ops come from when the caller gives no location (tests, synthesized code). */
export const unknownLoc: SourceLoc = Object.freeze({ file: "<unknown>", line: 0, column: 0 });

/** The shape of one parameter: a tensor's dims, or an object / array of them (mirrors `ValueTree`). */
export type ParamShape =
  | { readonly kind: "tensor"; readonly dims: readonly Dim[] }
  | { readonly kind: "object"; readonly fields: Readonly<Record<string, ParamShape>> }
  | { readonly kind: "array"; readonly items: readonly ParamShape[] };

/** What every program needs: its name, mesh and layout. */
export interface ProgramHeader {
  readonly name: string;
  readonly mesh: readonly MeshAxis[];
  /** The layout string as written; its rules are parsed from it unless given. */
  readonly layoutSpec: string;
  readonly layout?: readonly LayoutRule[];
  readonly loc?: SourceLoc;
  /** The mesh axis to shard the weight update over, if the binding asks for it. */
  readonly weightUpdateSharding?: string;
  /** The most values the program may have; one more throws `ValueLimitReached` (default: no limit). */
  readonly maxValues?: number;
  /** Where the binding's layout, dims and mesh are written. */
  readonly sources?: ProgramSources;
  /** The element type the compiled program computes in; `"fp32"` when not given. */
  readonly dtype?: Dtype;
}

/**
 * Thrown by a builder given `maxValues` when the program would get one value
 * more: not a bug but a program too large to build, which the front end reports
 * at the loop or call that made it grow.
 */
export class ValueLimitReached extends Error {
  readonly limit: number;

  constructor(limit: number) {
    super(`the program would have more than ${limit} values`);
    this.name = "ValueLimitReached";
    this.limit = limit;
  }
}

/** Per-op options: where it was written, a name for printing, and the extras some ops need. */
export interface OpOptions {
  readonly loc?: SourceLoc;
  readonly hint?: string;
  /** Output dims of creation ops (full, constant, iota, random). */
  readonly dims?: readonly Dim[];
  /** Output dim names of einsum and transpose. */
  readonly out?: readonly string[];
  /** The op's part of a training step (autodiff sets it). */
  readonly phase?: Phase;
}

/** The body-side values of an open loop. */
export interface OpenLoop {
  /** One value per carried init, in order: the value at the start of an iteration. */
  readonly carried: readonly ValueId[];
  /** One value per indexed list, in order: the item of the current iteration. */
  readonly indexed: readonly ValueId[];
}

interface LoopFrame {
  readonly count: number;
  readonly loc: SourceLoc;
  readonly inits: readonly ValueId[];
  readonly carried: readonly ValueId[];
  /** Grows while the loop is open (`addIndexed`). */
  readonly indexed: { readonly items: readonly ValueId[]; readonly param: ValueId }[];
  readonly outer: (Op | Loop)[];
}

/** What `closeLoopWithYields` gives back: the values after the loop. */
export interface ClosedLoop {
  /** One per carried value: its value after the last iteration. */
  readonly carried: ValueId[];
  /** One list per yielded value: its value at the end of each iteration. */
  readonly yields: ValueId[][];
}

/** Builds one `Program`. Each method throws a plain Error on misuse: that is a bug in the caller. */
export class ProgramBuilder {
  private readonly header: ProgramHeader;
  private readonly values = new Map<ValueId, Value>();
  private readonly params: { name: string; tree: ValueTree }[] = [];
  private readonly loops: LoopFrame[] = [];
  private block: (Op | Loop)[] = [];
  private readonly body = this.block;
  private result: ValueTree | undefined;
  private readonly gradients: GradientPair[] = [];
  private nextId = 0;

  constructor(header: ProgramHeader) {
    this.header = header;
  }

  /** How many values the program has so far. */
  get valueCount(): number {
    return this.nextId;
  }

  /** The dims of a value made so far. */
  dimsOf(value: ValueId): readonly Dim[] {
    return this.valueOf(value).dims;
  }

  /**
   * Add a parameter of the model function: one tensor or a tree of them. Each tensor becomes a `param` op whose path is `name` plus
   * the field/index path (`params.w_in`, `layers.0`). Returns the tree of ids.
   */
  addParam(name: string, shape: ParamShape, loc?: SourceLoc): ValueTree {
    if (this.loops.length > 0) throw new Error(`addParam("${name}") inside a loop: params come first`);
    const tree = this.paramTree(name, shape, loc);
    this.params.push({ name, tree });
    return tree;
  }

  /** Add a tensor parameter and give back its value id (shorthand for `addParam` with dims). */
  param(name: string, dims: readonly Dim[], loc?: SourceLoc): ValueId {
    const tree = this.addParam(name, { kind: "tensor", dims }, loc);
    if (tree.kind !== "tensor") throw new Error("unreachable: a dims shape gives a tensor tree");
    return tree.value;
  }

  /** The source name of a value made so far, if it has one. */
  hintOf(value: ValueId): string | undefined {
    return this.valueOf(value).hint;
  }

  /** The statements added so far to the innermost open block (the program body, or an open loop's body), in order. */
  currentBlock(): Block {
    return this.block;
  }

  /** Add an op; its output dims are inferred. Returns the output's id. */
  add(attrs: OpAttrs, inputs: readonly ValueId[], options: OpOptions = {}): ValueId {
    if (attrs.op === "param") throw new Error("add({ op: \"param\" }): use addParam");
    const inputDims = inputs.map((input) => this.valueOf(input).dims);
    const what = inputs.map((input) => {
      const hint = this.valueOf(input).hint;
      return `value %${input}${hint === undefined ? "" : ` "${hint}"`}`;
    });
    const dims = inferDims(attrs, inputDims, { dims: options.dims, out: options.out }, what);
    const output = this.newValue(dims, options.hint);
    const phase = options.phase === undefined ? {} : { phase: options.phase };
    this.block.push({ ...attrs, inputs: [...inputs], output, loc: options.loc ?? unknownLoc, ...phase } as Op);
    return output;
  }

  /** Mark the ops of the innermost open block from index `from` on (loop bodies included) as being of `phase`. */
  markPhase(from: number, phase: Phase): void {
    const mark = (block: Block): (Op | Loop)[] =>
      block.map((statement) => (statement.op === "loop" ? { ...statement, body: mark(statement.body) } : { ...statement, phase }));
    const marked = mark(this.block.slice(from));
    this.block.splice(from, marked.length, ...marked);
  }

  /** Values made by ops in calls of `checkpoint(f)`: the backward recomputes them instead of reading them (forwardScope.ts). */
  private readonly checkpointed = new Set<ValueId>();

  /** Mark the values of the statements of the innermost open block from `from` on (loop bodies included) as made in a `checkpoint(f)` call. */
  markCheckpointed(from: number): void {
    const mark = (block: Block): void => {
      for (const statement of block) {
        if (statement.op === "loop") {
          loopOutputs(statement).forEach((id) => this.checkpointed.add(id));
          mark(statement.body);
        } else if (statement.op !== "param") this.checkpointed.add(statement.output);
      }
    };
    mark(this.block.slice(from));
  }

  /** Whether `id` was made in a `checkpoint(f)` call. */
  isCheckpointed(id: ValueId): boolean {
    return this.checkpointed.has(id);
  }

  /** How many loops are open (0 in the program body). */
  loopDepth(): number {
    return this.loops.length;
  }

  /**
   * Replace `count` statements of the innermost open block from `index` on with `statements`
   * (a pass inside the builder, e.g. hoisting loop-invariant ops out of a loop just read).
   */
  replaceStatements(index: number, count: number, statements: readonly (Op | Loop)[]): void {
    this.block.splice(index, count, ...statements);
  }

  /**
   * Add an indexed list to the innermost open loop (one value per iteration, defined before the
   * loop); returns the value inside the body. For values the body needs that are found while it is read.
   */
  addIndexed(items: readonly ValueId[]): ValueId {
    const frame = this.loops[this.loops.length - 1];
    if (!frame) throw new Error("addIndexed outside a loop");
    if (items.length !== frame.count) throw new Error(`addIndexed: ${items.length} items for ${frame.count} iterations`);
    const first = this.valueOf(items[0]);
    const param = this.newValue(first.dims, first.hint);
    frame.indexed.push({ items: [...items], param });
    return param;
  }

  /**
   * Make the closed loop `loop` (a statement of an open block: the innermost one or one around it)
   * also yield `result`, a value of its body; returns the new loop statement, which replaces the old
   * one, and the yielded items (one value per iteration, defined by the loop).
   */
  addYield(loop: Loop, result: ValueId): { loop: Loop; items: ValueId[] } {
    const blocks = [this.block, ...this.loops.map((frame) => frame.outer)];
    const block = blocks.find((candidate) => candidate.includes(loop));
    if (!block) throw new Error("addYield: the loop is not a statement of an open block");
    const value = this.valueOf(result);
    const items = Array.from({ length: loop.count }, () => this.newValue(value.dims, value.hint));
    const yields: LoopYield[] = [...(loop.yields ?? []), { result, items }];
    const extended: Loop = { ...loop, yields };
    block[block.indexOf(loop)] = extended;
    return { loop: extended, items };
  }

  /** Record that `gradient` is the gradient of the program's loss with respect to `wrt` (`Program.gradients`). */
  recordGradient(wrt: ValueId, gradient: ValueId): void {
    this.gradients.push({ wrt, gradient });
  }

  /**
   * Open a loop of `count` iterations. `carried` are the values before the
   * first iteration; each `indexed` entry lists one value per iteration. Ops
   * added until `closeLoop` form the body.
   */
  openLoop(count: number, carried: readonly ValueId[], indexed: readonly (readonly ValueId[])[] = [], loc?: SourceLoc): OpenLoop {
    if (!Number.isInteger(count) || count < 1) throw new Error(`openLoop: count ${count} is not a positive integer`);
    const carriedParams = carried.map((init) => this.newValue(this.valueOf(init).dims, this.valueOf(init).hint));
    const indexedEntries = indexed.map((items) => {
      if (items.length !== count) throw new Error(`openLoop: an indexed list has ${items.length} items for ${count} iterations`);
      const first = this.valueOf(items[0]);
      return { items: [...items], param: this.newValue(first.dims, first.hint) };
    });
    this.loops.push({ count, loc: loc ?? unknownLoc, inits: [...carried], carried: carriedParams, indexed: indexedEntries, outer: this.block });
    this.block = [];
    return { carried: carriedParams, indexed: indexedEntries.map((entry) => entry.param) };
  }

  /** Close the innermost loop with the carried values at the end of the body; returns the values after the loop. */
  closeLoop(results: readonly ValueId[]): ValueId[] {
    return this.closeLoopWithYields(results, []).carried;
  }

  /**
   * Close the innermost loop with the carried values at the end of the body and the body values
   * it yields per iteration (`Loop.yields`); returns the carried values after the loop and the yielded items.
   */
  closeLoopWithYields(results: readonly ValueId[], yielded: readonly ValueId[]): ClosedLoop {
    const frame = this.loops.pop();
    if (!frame) throw new Error("closeLoop without openLoop");
    if (results.length !== frame.carried.length) {
      throw new Error(`closeLoop: ${results.length} results for ${frame.carried.length} carried values`);
    }
    const carried = frame.carried.map((param, index) => {
      const result = results[index];
      const output = this.newValue(this.valueOf(result).dims, this.valueOf(frame.inits[index]).hint);
      return { init: frame.inits[index], param, result, output };
    });
    const yields = yielded.map((result): LoopYield => {
      const value = this.valueOf(result);
      return { result, items: Array.from({ length: frame.count }, () => this.newValue(value.dims, value.hint)) };
    });
    const loop: Loop = {
      op: "loop", count: frame.count, loc: frame.loc, carried, indexed: frame.indexed, ...(yields.length > 0 ? { yields } : {}), body: this.block,
    };
    this.block = frame.outer;
    this.block.push(loop);
    return { carried: carried.map((entry) => entry.output), yields: yields.map((entry) => [...entry.items]) };
  }

  /** Run `body` as a loop (openLoop, body, closeLoop). */
  loop(
    count: number,
    carried: readonly ValueId[],
    indexed: readonly (readonly ValueId[])[],
    body: (open: OpenLoop) => readonly ValueId[],
    loc?: SourceLoc,
  ): ValueId[] {
    return this.closeLoop(body(this.openLoop(count, carried, indexed, loc)));
  }

  /** Set what the program returns: one value or a tree. */
  setResult(result: ValueId | ValueTree): void {
    this.result = typeof result === "number" ? { kind: "tensor", value: result } : result;
  }

  /** The finished program (stage "global"). */
  finish(): Program {
    if (this.loops.length > 0) throw new Error(`finish: ${this.loops.length} loop(s) still open`);
    if (!this.result) throw new Error(`finish: program "${this.header.name}" has no result (call setResult)`);
    return {
      name: this.header.name,
      loc: this.header.loc ?? unknownLoc,
      stage: "global",
      mesh: this.header.mesh,
      layoutSpec: this.header.layoutSpec,
      layout: this.header.layout ?? parseLayout(this.header.layoutSpec),
      ...(isOpenLayout(this.header.layoutSpec) ? { openLayout: true } : {}),
      params: this.params,
      body: this.body,
      result: this.result,
      values: this.values,
      dtype: this.header.dtype ?? defaultDtype,
      ...(this.header.weightUpdateSharding === undefined ? {} : { weightUpdateSharding: this.header.weightUpdateSharding }),
      ...(this.header.sources === undefined ? {} : { sources: this.header.sources }),
      ...(this.gradients.length === 0 ? {} : { gradients: this.gradients }),
    };
  }

  private paramTree(path: string, shape: ParamShape, loc: SourceLoc | undefined): ValueTree {
    switch (shape.kind) {
      case "tensor": {
        const output = this.newValue(shape.dims, path);
        this.block.push({ op: "param", path, inputs: [], output, loc: loc ?? unknownLoc });
        return { kind: "tensor", value: output };
      }
      case "array":
        return { kind: "array", items: shape.items.map((item, index) => this.paramTree(`${path}.${index}`, item, loc)) };
      case "object": {
        const fields: Record<string, ValueTree> = {};
        for (const [field, inner] of Object.entries(shape.fields)) fields[field] = this.paramTree(`${path}.${field}`, inner, loc);
        return { kind: "object", fields };
      }
    }
  }

  private newValue(dims: readonly Dim[], hint: string | undefined): ValueId {
    if (this.header.maxValues !== undefined && this.nextId >= this.header.maxValues) throw new ValueLimitReached(this.header.maxValues);
    const id = this.nextId++;
    this.values.set(id, hint === undefined ? { id, dims } : { id, dims, hint });
    return id;
  }

  private valueOf(id: ValueId): Value {
    const value = this.values.get(id);
    if (!value) throw new Error(`value %${id} is not defined in program "${this.header.name}"`);
    return value;
  }
}
