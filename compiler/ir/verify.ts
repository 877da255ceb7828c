/**
 * The IR verifier, run between passes. A failure is a compiler bug, never a
 * user error, so it throws a plain Error naming the program, the op and what
 * is wrong. Checks: every input is defined before use and in scope; every
 * output is defined once; dims agree with the shape rules; loops are well
 * formed (yielded items included); and in a lowered program every value has a full sharding and local
 * dims that agree with it, and every collective agrees with the states it
 * converts between.
 */
import type { Dim } from "../../dsl/tensor.ts";
import type { Block, Loop, Op, Program, ValueId, ValueTree } from "./ir.ts";
import { sameSharding } from "./sharding.ts";
import { inferDims } from "./inferDims.ts";
import { attrsOf, isLoop, loopYields, walkOps } from "./opAttrs.ts";
import { formatDims, formatOp } from "./printer.ts";
import { checkCollective, checkLoweredValue } from "./verifyLowered.ts";

function sameDims(first: readonly Dim[], second: readonly Dim[]): boolean {
  if (first === second) return true;
  if (first.length !== second.length) return false;
  for (let index = 0; index < first.length; index++) {
    if (first[index].name !== second[index].name || first[index].size !== second[index].size) return false;
  }
  return true;
}

/** Text for a message, made only when a check fails (formatting every op of a large program costs more than checking it). */
type What = () => string;

/** `Verifier.marks` bits: the value is defined (anywhere), the value is in scope. */
const definedMark = 1;
const scopeMark = 2;

class Verifier {
  /**
   * Per value id (ids are small whole numbers): whether it is defined so far, in any
   * scope, and whether it is in scope now; a loop's body values leave the scope when
   * the loop ends (see `added`). A flat array, not sets: the verifier runs after
   * every pass on every value, one per layer and leaf of a model's parameters.
   */
  private readonly marks: Uint8Array;
  /** How many values are defined so far. */
  definedCount = 0;
  /** The values added to the scope, in order, so that a loop can take its own out again without copying the scope. */
  private readonly added: ValueId[] = [];

  constructor(private readonly program: Program, private readonly pass: string) {
    let largest = -1;
    for (const id of program.values.keys()) if (id > largest) largest = id;
    this.marks = new Uint8Array(largest + 1);
  }

  fail(message: string): never {
    throw new Error(`IR verifier (after ${this.pass}) in program "${this.program.name}": ${message}`);
  }

  dims(id: ValueId): readonly Dim[] {
    return (this.program.values.get(id) ?? this.fail(`%${id} has no entry in program.values`)).dims;
  }

  /** Whether `id` is defined so far (in any scope). */
  isDefined(id: ValueId): boolean {
    return ((this.marks[id] ?? 0) & definedMark) !== 0;
  }

  define(id: ValueId, what: What | Op): void {
    if (!Number.isInteger(id) || id < 0) this.fail(`%${id} (defined by ${this.text(what)}) is not a value id (a whole number from 0)`);
    if (this.isDefined(id)) this.fail(`%${id} is defined twice (again by ${this.text(what)})`);
    if (!this.program.values.has(id)) this.fail(`%${id} (defined by ${this.text(what)}) has no entry in program.values`);
    this.marks[id] |= definedMark;
    this.definedCount++;
  }

  /** A message's text for an op or a described statement (made only on failure: no closure per op). */
  text(what: What | Op): string {
    return typeof what === "function" ? what() : formatOp(this.program, what);
  }

  /** Put a defined value in scope (`define` first: every defined id has a mark). */
  enter(id: ValueId): void {
    this.marks[id] |= scopeMark;
    this.added.push(id);
  }

  use(id: ValueId, what: What | Op): void {
    if (((this.marks[id] ?? 0) & scopeMark) === 0) this.fail(`${this.text(what)} uses %${id} before it is defined or outside its scope`);
  }

  op(op: Op): void {
    for (const input of op.inputs) this.use(input, op);
    if (op.op !== "param") {
      const outputDims = this.dims(op.output);
      const names = outputDims.map((dim) => dim.name);
      let expected: readonly Dim[];
      try {
        expected = inferDims(attrsOf(op), op.inputs.map((input) => this.dims(input)), { dims: outputDims, out: names });
      } catch (error) {
        this.fail(`${this.text(op)}: the inputs do not fit the op (${(error as Error).message})`);
      }
      if (!sameDims(expected, outputDims)) this.fail(`${this.text(op)}: output dims should be ${formatDims(expected)}`);
    }
    this.define(op.output, op);
    this.enter(op.output);
  }

  loop(loop: Loop): void {
    const what = (): string => `loop at ${loop.loc.file}:${loop.loc.line}`;
    if (!Number.isInteger(loop.count) || loop.count < 1) this.fail(`${what()} has count ${loop.count}`);
    const mark = this.added.length;
    for (const entry of loop.carried) this.use(entry.init, what);
    for (const entry of loop.indexed) {
      if (entry.items.length !== loop.count) this.fail(`${what()}: indexed %${entry.param} has ${entry.items.length} items for ${loop.count} iterations`);
      const dims = this.dims(entry.param);
      for (const item of entry.items) {
        this.use(item, what);
        if (!sameDims(this.dims(item), dims)) this.fail(`${what()}: item %${item} differs from %${entry.param}`);
      }
    }
    for (const entry of loop.carried) {
      this.define(entry.param, what);
      this.enter(entry.param);
      if (!sameDims(this.dims(entry.init), this.dims(entry.param))) this.fail(`${what()}: carried %${entry.param} differs from its init %${entry.init}`);
    }
    for (const entry of loop.indexed) {
      this.define(entry.param, what);
      this.enter(entry.param);
    }
    this.block(loop.body);
    for (const entry of loop.carried) {
      this.use(entry.result, () => `${what()} (carried result)`);
      if (!sameDims(this.dims(entry.result), this.dims(entry.param))) this.fail(`${what()}: carried result %${entry.result} changes dims`);
    }
    for (const entry of loopYields(loop)) {
      this.use(entry.result, () => `${what()} (yielded value)`);
      if (entry.items.length !== loop.count) this.fail(`${what()}: yielded %${entry.result} has ${entry.items.length} items for ${loop.count} iterations`);
    }
    while (this.added.length > mark) this.marks[this.added.pop() as ValueId] &= ~scopeMark;
    for (const entry of loop.carried) {
      this.define(entry.output, what);
      this.enter(entry.output);
    }
    for (const entry of loopYields(loop)) {
      const dims = this.dims(entry.result);
      for (const item of entry.items) {
        if (!sameDims(this.dims(item), dims)) this.fail(`${what()}: yielded item %${item} differs from %${entry.result}`);
        this.define(item, what);
        this.enter(item);
      }
    }
  }

  block(block: Block): void {
    for (const statement of block) {
      if (isLoop(statement)) this.loop(statement);
      else this.op(statement);
    }
  }

  tree(tree: ValueTree, what: What): void {
    if (tree.kind === "tensor") this.use(tree.value, what);
    else if (tree.kind === "array") for (const item of tree.items) this.tree(item, what);
    else for (const field in tree.fields) this.tree(tree.fields[field], what);
  }
}

/**
 * Check `program` and return it. `pass` names the pass that made it, for the message.
 * Throws a plain Error (a compiler bug) on the first problem.
 */
export function verify(program: Program, pass = "build"): Program {
  const verifier = new Verifier(program, pass);
  verifier.block(program.body);
  verifier.tree(program.result, () => "the result");
  for (const param of program.params) verifier.tree(param.tree, () => `param ${param.name}`);
  // every defined id is in program.values, once: when as many are defined as it has, it has no other
  if (verifier.definedCount !== program.values.size) {
    for (const id of program.values.keys()) {
      if (!verifier.isDefined(id)) verifier.fail(`%${id} is in program.values but no op defines it`);
    }
  }
  if (program.stage === "lowered") checkLoweredProgram(program, verifier.fail.bind(verifier));
  return program;
}

function checkLoweredProgram(program: Program, fail: (message: string) => never): void {
  for (const value of program.values.values()) checkLoweredValue(program, value, fail);
  for (const op of walkOps(program.body)) checkCollective(program, op, fail);
  const checkBlock = (block: Block): void => {
    for (const statement of block) {
      if (!isLoop(statement)) continue;
      for (const entry of statement.carried) {
        const states = [entry.init, entry.param, entry.result, entry.output].map((id) => program.values.get(id)?.sharding);
        if (!states.every((state) => sameSharding(state, states[0]))) {
          fail(`loop carried %${entry.param}: init, param, result and output must have one sharding`);
        }
      }
      for (const entry of statement.indexed) {
        const param = program.values.get(entry.param)?.sharding;
        if (!entry.items.every((item) => sameSharding(program.values.get(item)?.sharding, param))) {
          fail(`loop indexed %${entry.param}: every item must have the param's sharding`);
        }
      }
      for (const entry of loopYields(statement)) {
        const result = program.values.get(entry.result)?.sharding;
        if (!entry.items.every((item) => sameSharding(program.values.get(item)?.sharding, result))) {
          fail(`loop yielded %${entry.result}: every item must have the yielded value's sharding`);
        }
      }
      checkBlock(statement.body);
    }
  };
  checkBlock(program.body);
  const checkResult = (tree: ValueTree): void => {
    if (tree.kind === "tensor") {
      const sharding = program.values.get(tree.value)?.sharding ?? {};
      if (Object.values(sharding).some((state) => state.kind === "partial")) fail(`result %${tree.value} is partial`);
    } else if (tree.kind === "array") tree.items.forEach(checkResult);
    else Object.values(tree.fields).forEach(checkResult);
  };
  checkResult(program.result);
}
