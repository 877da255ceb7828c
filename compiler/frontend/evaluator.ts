/**
 * The state of the static evaluator while it reads one program: the IR
 * builder it emits into, the locator for source positions, the open kept
 * loops, the names to give values, and the inlining depth.
 */
import type { Node, SourceFile } from "ts-morph";
import type { MeshAxis } from "../../dsl/mesh.ts";
import type { Dim } from "../../dsl/tensor.ts";
import { diagnostic, fail, type Diagnostic, type MessageTemplate } from "../diagnostics/diagnostic.ts";
import type { RecomputePolicy } from "../autodiff/forwardScope.ts";
import type { ProgramBuilder } from "../ir/builder.ts";
import type { SourceLoc, ValueId } from "../ir/ir.ts";
import { isPackageFile } from "./dslSymbols.ts";
import type { Locator } from "./location.ts";
import type { LoopMarker, StaticValue } from "./staticValue.ts";

/** Calls nest at most this deep (inlining); deeper is reported as recursion. */
export const maxCallDepth = 100;

/** At most this many calls are inlined while reading one program (recursion that branches would never end). */
export const maxCalls = 20_000;

/**
 * The most IR values the front end builds for one program (params, ops,
 * loop values, backward ops). A 192-layer GPT training step (loss,
 * valueAndGrad, AdamW: bench/trainBuildTime.ts) has about 65,000, a
 * 10,000-layer GPT forward pass 120,074. Each value costs about 8 KB at the
 * peak of a build (that GPT: 1.1 GB resident for its one program in 52 s,
 * RELIABILITY.md), so at this bound one program needs some 1.7 GB, well
 * inside Node's default heap (about 4.3 GB); at 500,000 it would not be.
 * Past it, MT1701 names the loop that made the program grow.
 */
export const maxProgramValues = 200_000;

/**
 * The most op executions one call of a program may make: a kept loop's trip
 * count times its body's ops (nested loops multiply). A 192-layer model is
 * some 10^5; past this the loop is reported (MT1702) instead of a program
 * that would run for hours.
 */
export const maxLoopWork = 10_000_000;

/** The work bounds of one program (tests lower them; the defaults are `maxProgramValues` and `maxLoopWork`). */
export interface WorkLimits {
  readonly values: number;
  readonly loopWork: number;
}

/** The bounds every build uses. */
export const defaultWorkLimits: WorkLimits = { values: maxProgramValues, loopWork: maxLoopWork };

/** `1,000,000`: how messages write a count. */
export function figure(value: number): string {
  return value.toLocaleString("en-US");
}

/** A loop or gradient call being read: where a program too large to build is reported. */
export interface WorkSite {
  readonly node: Node;
  /** What is being read, for the message: "the loop over `i`", "valueAndGrad(loss)". */
  readonly what: string;
  /** A loop's trip count. */
  readonly count?: number;
  /** The iteration being read of an unrolled loop (0-based). */
  iteration?: number;
}

/** A kept loop while its body is read: which `arr[i]` reads were prepared before the loop opened. */
export interface OpenLoopContext {
  readonly marker: LoopMarker;
  /** The value of each `arr[i]` element access node of the body, made from the loop's indexed params. */
  readonly indexed: ReadonlyMap<Node, StaticValue>;
}

/** What the evaluator knows about the program it reads. */
export interface ProgramContext {
  readonly builder: ProgramBuilder;
  readonly locator: Locator;
  readonly mesh: readonly MeshAxis[];
  /** The sizes of the layout's dims({...}). */
  readonly sizes: Readonly<Record<string, number>>;
  /** The binding's activation recomputation policy (`program(f, { recompute })`), for the loops autodiff reverses. */
  readonly recompute?: RecomputePolicy;
  /** false: `checkpoint(f)` is f, recomputing nothing (default true). */
  readonly checkpoints?: boolean;
  readonly limits?: WorkLimits;
}

/** The evaluator's state for one program. */
export class Evaluator {
  readonly builder: ProgramBuilder;
  readonly locator: Locator;
  readonly mesh: readonly MeshAxis[];
  readonly sizes: Readonly<Record<string, number>>;
  readonly recompute: RecomputePolicy;
  /** Whether calls of `checkpoint(f)` are recomputed in the backward. */
  readonly checkpoints: boolean;
  readonly limits: WorkLimits;
  /** Call nodes whose result gets a printing name (the variable they initialise). */
  readonly hints = new Map<Node, string>();
  /** Open kept loops, innermost last. */
  readonly loops: OpenLoopContext[] = [];
  /** Module-level consts already evaluated (only values that hold no tensor are cached). */
  readonly moduleValues = new Map<Node, StaticValue>();
  /** Names of values, for messages of the shape rules. */
  private readonly names = new Map<ValueId, string>();
  /** Source text of the calls that made unnamed values. */
  private readonly texts = new Map<ValueId, string>();
  /** The calls being inlined, outermost first (for the user's call site of library code). */
  readonly callStack: Node[] = [];
  depth = 0;
  /** Calls inlined so far. */
  calls = 0;
  /** The most calls `calls` may reach (`maxCalls`; the data of a constant tensor has a budget of its own). */
  callLimit = maxCalls;
  /**
   * Loops and gradient calls being read, outermost first. Pushed on entry and
   * popped on normal exit only, so that after a `ValueLimitReached` it still
   * says where the program was growing.
   */
  readonly sites: WorkSite[] = [];

  constructor(context: ProgramContext) {
    this.builder = context.builder;
    this.locator = context.locator;
    this.mesh = context.mesh;
    this.sizes = context.sizes;
    this.recompute = context.recompute ?? "none";
    this.checkpoints = context.checkpoints ?? true;
    this.limits = context.limits ?? defaultWorkLimits;
  }

  /**
   * Problems that do not stop the reading (a constructs the compiler rejects
   * but can stand a placeholder for, as `tensor(...)` with data): reported
   * together when the program has been read, so every one is named, not
   * only the first.
   */
  readonly deferred: Diagnostic[] = [];

  /** Record the diagnostic `template` at `node` (see `deferred`) and go on reading. */
  defer<Args>(template: MessageTemplate<Args>, args: Args, node: Node): void {
    this.deferred.push(diagnostic(template, args, this.loc(node)));
  }

  /** Throw the diagnostic `template` at `node` (at the user's call into it when `node` is in meshtype's files). */
  fail<Args>(template: MessageTemplate<Args>, args: Args, node: Node): never {
    return fail(template, args, this.loc(node));
  }

  /**
   * The location of `node`; in meshtype's own files (a stdlib layer) with the
   * innermost call from a user file on the inlining stack as its call site.
   */
  loc(node: Node): SourceLoc {
    const loc = this.locator.of(node);
    if (!inPackage(node.getSourceFile())) return loc;
    for (let index = this.callStack.length - 1; index >= 0; index--) {
      const call = this.callStack[index];
      if (!inPackage(call.getSourceFile())) return { ...loc, callSite: this.locator.of(call) };
    }
    return loc;
  }

  /** Remember a name for `id` (used in shape-rule messages). */
  nameValue(id: ValueId, name: string): void {
    if (!this.names.has(id)) this.names.set(id, name);
  }

  /** Remember the source text of the call that made `id` (for messages about a value with no name). */
  rememberText(id: ValueId, text: string): void {
    if (!this.texts.has(id)) this.texts.set(id, text);
  }

  /** How messages name a value: `tensor "h"`, `` tensor `relu(x)` `` (the call that made it), or `a tensor`; never an IR id. */
  describe(id: ValueId): string {
    const name = this.names.get(id);
    if (name !== undefined) return `tensor "${name}"`;
    const text = this.texts.get(id);
    return text === undefined ? "a tensor" : `tensor \`${text}\``;
  }

  /** The global dims of a value. */
  dimsOf(id: ValueId): readonly Dim[] {
    return this.builder.dimsOf(id);
  }
}

const packageFiles = new WeakMap<SourceFile, boolean>();

/** Whether `file` is one of meshtype's own (or another package's), cached per file. */
function inPackage(file: SourceFile): boolean {
  let known = packageFiles.get(file);
  if (known === undefined) {
    known = isPackageFile(file.getFilePath());
    packageFiles.set(file, known);
  }
  return known;
}

/**
 * Thrown while reading a program whose array parameter has no static length
 * (`layers: readonly Layer[]`) when the model first indexes it: the front end
 * then reads the program again with that array's length set to what was read
 * (`for (let i = 0; i < LAYERS; i++) layers[i]` gives LAYERS).
 */
export class LengthNeeded extends Error {
  readonly path: string;
  readonly length: number;
  /** Where the model read the array (the index or loop that sets the length), for messages. */
  readonly loc: SourceLoc | undefined;

  constructor(path: string, length: number, loc?: SourceLoc) {
    super(`array parameter ${path} needs length ${length}`);
    this.name = "LengthNeeded";
    this.path = path;
    this.length = length;
    this.loc = loc;
  }
}
