/**
 * The TypeScript back end: one module per source file, holding every lowered
 * program of that file as `export async function <name>(ctx, ...params)` that
 * takes local shards and returns the local result (same tree shape as the
 * model returns), plus `<name>Meta` for harnesses. Written through
 * code-block-writer; loops stay loops; each line's comment gives the local
 * shape and sharding, and each collective its mesh axis and bytes. A loop
 * over an array parameter reads its leaves at the loop index
 * (`const layer = params.layers[i];`, loopAccess.ts), and an array of
 * same-typed items is typed `readonly X[]` (paramTypes.ts).
 */
import { CodeBlockWriter } from "ts-morph";
import type { Block, Loop, Op, Program, ValueId, ValueTree } from "../../ir/ir.ts";
import { isLoop, loopYields, walkOps } from "../../ir/opAttrs.ts";
import { formatDims } from "../../ir/printer.ts";
import { formatSharding, paddingNote } from "../../ir/sharding.ts";
import { collectiveCost } from "../../explain/bytes.ts";
import { dslFunctionOf, emitOpExpression } from "./emitOp.ts";
import { propertyKey, writeLiteral } from "./literal.ts";
import { leavesReadOnlyByAccesses, loopAccesses, type IndexedAccess, type LoopAccesses } from "./loopAccess.ts";
import { programMeta } from "./meta.ts";
import { accessPath, NameTable } from "./names.ts";
import { ParamTypes, singular } from "./paramTypes.ts";
import { uniformArray, yieldItems, yieldReads, type ItemTemplate, type YieldItem, type YieldRead } from "./yieldLists.ts";

/** Where the generated module imports from, and what made it. */
export interface EmitOptions {
  /** The user's source file, for the banner (as the user wrote it on the command line). */
  readonly sourceFile: string;
  /** Import specifiers; default "meshtype" and "meshtype/runtime". */
  readonly dslModule?: string;
  readonly runtimeModule?: string;
}

/**
 * The index of every outermost loop: `names.ts` never gives it to a value, so
 * sequential loops can all use it without shadowing one. Nested loops take
 * fresh names (`j`, ...), unique in the function.
 */
const outerLoopIndex = "i";
const nestedLoopIndices: readonly (string | undefined)[] = ["j", "k", "l"];

class ProgramEmitter {
  private readonly names = new NameTable();
  private readonly identifiers = new Map<ValueId, string>();
  private readonly accesses: LoopAccesses;
  private readonly yieldReads: ReadonlyMap<Loop, readonly (YieldRead | undefined)[]>;
  private readonly yieldItems: ReadonlyMap<ValueId, YieldItem>;
  /** The list that holds each yielded value's items (`Loop.yields`), by its yield. */
  private readonly yieldLists = new Map<YieldRead["source"], string>();
  /** Identifiers of the model function's parameters, by name. */
  private readonly paramIdentifiers = new Map<string, string>();
  private loopDepth = 0;

  constructor(private readonly program: Program, private readonly writer: CodeBlockWriter, private readonly types: ParamTypes) {
    this.accesses = loopAccesses(program);
    this.yieldReads = yieldReads(program);
    this.yieldItems = yieldItems(program);
  }

  private name(id: ValueId): string {
    const known = this.identifiers.get(id);
    if (known !== undefined) return known;
    const fresh = this.names.fresh(this.program.values.get(id)?.hint, `v${id}`);
    this.identifiers.set(id, fresh);
    return fresh;
  }

  private comment(op: Op): string {
    const value = this.program.values.get(op.output);
    const local = value?.localDims ? formatDims(value.localDims) : "";
    const cost = collectiveCost(this.program, op);
    if (cost) {
      const moved = cost.kind === "localSlice" ? "no communication" : `${cost.bytes} bytes per device`;
      return `${op.op} over ${cost.axis.startsWith("(") ? cost.axis : `"${cost.axis}"`} (${cost.groupSize} devices): ${moved}; local ${local}${paddingNote(this.program, value)}`;
    }
    const sharding = value?.sharding ? ` ${formatSharding(value.sharding)}` : "";
    return `local ${local}${sharding}${paddingNote(this.program, value)}`;
  }

  private op(op: Op): void {
    if (op.op === "param") return;
    const values = op.inputs.map((input) => this.program.values.get(input));
    const expression = emitOpExpression(op, op.inputs.map((input) => this.name(input)), this.program.values.get(op.output) ?? { id: op.output, dims: [] }, values, this.program.mesh);
    this.writer.writeLine(`const ${this.name(op.output)} = ${expression}; // ${this.comment(op)}`);
  }

  private loop(loop: Loop): void {
    const writer = this.writer;
    for (const entry of loop.carried) {
      writer.writeLine(`let ${this.name(entry.param)} = ${this.name(entry.init)};`);
      this.identifiers.set(entry.output, this.name(entry.param));
    }
    const accesses = this.accesses.get(loop) ?? [];
    const reads = this.yieldReads.get(loop) ?? [];
    const lists = loop.indexed.map((entry, position) => {
      if (accesses[position] || reads[position]) return "";
      const list = this.names.fresh(`${this.program.values.get(entry.param)?.hint ?? "items"}_items`, `items${entry.param}`);
      writer.writeLine(`const ${list} = [${entry.items.map((item) => this.name(item)).join(", ")}] as const;`);
      return list;
    });
    for (const entry of loopYields(loop)) {
      const list = this.names.fresh(`${this.program.values.get(entry.result)?.hint ?? "yielded"}_items`, `yielded${entry.result}`);
      this.yieldLists.set(entry, list);
      entry.items.forEach((item, index) => this.identifiers.set(item, `${list}[${index}]!`));
      writer.writeLine(`const ${list}: Tensor<string>[] = []; // one per iteration`);
    }
    const index = this.loopDepth === 0 ? outerLoopIndex : this.names.fresh(nestedLoopIndices[this.loopDepth - 1], "index");
    this.loopDepth++;
    writer.write(`for (let ${index} = 0; ${index} < ${loop.count}; ${index}++)`).block(() => {
      this.readArrayItems(accesses.filter((access) => access !== undefined), index);
      loop.indexed.forEach((entry, position) => {
        const read = reads[position];
        if (read && !accesses[position]) {
          const at = read.reversed ? `${loop.count - 1} - ${index}` : index;
          writer.writeLine(`const ${this.name(entry.param)} = ${this.yieldLists.get(read.source)}[${at}]!;`);
        } else if (!accesses[position]) {
          writer.writeLine(`const ${this.name(entry.param)} = ${lists[position]}[${index}]!;`);
        }
      });
      this.block(loop.body);
      for (const entry of loopYields(loop)) writer.writeLine(`${this.yieldLists.get(entry)}.push(${this.name(entry.result)});`);
      for (const entry of loop.carried) writer.writeLine(`${this.name(entry.param)} = ${this.name(entry.result)};`);
    });
    this.loopDepth--;
  }

  /**
   * Inside a loop: `const layer = params.layers[i];` per array (when several
   * leaves of its items are read), then `const attention_wq = layer.attention.wq;`
   * per leaf.
   */
  private readArrayItems(accesses: readonly IndexedAccess[], index: string): void {
    const byArray = new Map<string, IndexedAccess[]>();
    for (const access of accesses) {
      const key = `${[access.root, ...access.arrayPath].join(".")}${access.reversed ? " reversed" : ""}`;
      byArray.set(key, [...(byArray.get(key) ?? []), access]);
    }
    for (const [key, group] of byArray) {
      const { root, arrayPath, reversed, items } = group[0];
      const at = reversed ? `${items.length - 1} - ${index}` : index;
      // `!`: checkLocalArgs has checked the array holds every item the loop reads.
      const item = `${accessPath(this.paramIdentifiers.get(root) ?? root, arrayPath)}[${at}]!`;
      const itemName = singular([root, ...arrayPath].pop() ?? root);
      const base = group.length > 1 ? this.names.fresh(itemName, "item") : item;
      if (group.length > 1) this.writer.writeLine(`const ${base} = ${item};`);
      for (const access of group) {
        const identifier = this.names.fresh(access.rest.length > 0 ? access.rest.join("_") : itemName, `v${access.param}`);
        this.identifiers.set(access.param, identifier);
        const local = formatDims(this.program.values.get(access.param)?.localDims ?? []);
        this.writer.writeLine(`const ${identifier} = ${accessPath(base, access.rest)}; // local ${local}`);
      }
    }
  }

  private block(block: Block): void {
    for (const statement of block) {
      if (isLoop(statement)) this.loop(statement);
      else this.op(statement);
    }
  }

  private treeExpression(tree: ValueTree): string {
    switch (tree.kind) {
      case "tensor":
        return this.name(tree.value);
      case "array": {
        const template = uniformArray(tree, this.yieldItems);
        if (template) return `Array.from({ length: ${tree.items.length} }, (_, k) => (${this.templateExpression(template, tree.items.length)}))`;
        return `[${tree.items.map((item) => this.treeExpression(item)).join(", ")}]`;
      }
      case "object":
        return `{ ${Object.entries(tree.fields).map(([field, item]) => `${propertyKey(field)}: ${this.treeExpression(item)}`).join(", ")} }`;
    }
  }

  /** Item k of a uniform result array (`uniformArray`), with `k` the comprehension's index. */
  private templateExpression(template: ItemTemplate, count: number): string {
    switch (template.kind) {
      case "tensor":
        return `${this.yieldLists.get(template.read.source)}[${template.read.reversed ? `${count - 1} - k` : "k"}]!`;
      case "array":
        return `[${template.items.map((item) => this.templateExpression(item, count)).join(", ")}]`;
      case "object":
        return `{ ${Object.entries(template.fields).map(([field, item]) => `${propertyKey(field)}: ${this.templateExpression(item, count)}`).join(", ")} }`;
    }
  }

  emit(): void {
    const { program, writer } = this;
    const params = program.params.map((param) => ({ param, identifier: this.names.fresh(param.name, "param") }));
    for (const { param, identifier } of params) this.paramIdentifiers.set(param.name, identifier);
    const undeclared = leavesReadOnlyByAccesses(program, this.accesses);
    const leaves: { id: ValueId; access: string }[] = [];
    for (const op of walkOps(program.body)) {
      if (op.op !== "param") continue;
      const [head, ...rest] = op.path.split(".");
      const owner = this.paramIdentifiers.get(head);
      if (rest.length === 0 && owner !== undefined) this.identifiers.set(op.output, owner);
      else if (!undeclared.has(op.output)) {
        this.identifiers.set(op.output, this.names.fresh(op.path.replace(/\./g, "_"), `p${op.output}`));
        if (owner !== undefined) leaves.push({ id: op.output, access: accessPath(owner, rest) });
      }
    }
    const mesh = program.mesh.map((axis) => `${axis.name}=${axis.size}`).join(" ");
    const signature = params.map(({ param, identifier }) => `${identifier}: ${this.types.typeOf(param.tree, param.name)}`);
    for (const alias of this.types.aliases()) {
      writer.writeLine(`/** One item of \`${alias.source}\` in \`${program.name}\` (local shards). */`);
      writer.writeLine(`export type ${alias.name} = {`);
      for (const line of alias.lines) writer.writeLine(`  ${line};`);
      writer.writeLine("};").blankLine();
    }
    writer.writeLine(`/** \`${program.name}\` on mesh [${mesh}] with layout "${program.layoutSpec}": the program of one device (local shards in, local result out). */`);
    writer.write(`export async function ${program.name}(${["ctx: DeviceContext", ...signature].join(", ")})`).block(() => {
      writer.writeLine(`checkLocalArgs(${program.name}Meta, [${params.map(({ identifier }) => identifier).join(", ")}]); // each param must be this device's local shard`);
      for (const leaf of leaves) {
        writer.writeLine(`const ${this.name(leaf.id)} = ${leaf.access}; // local ${formatDims(program.values.get(leaf.id)?.localDims ?? [])}`);
      }
      this.block(program.body);
      writer.writeLine(`return ${this.treeExpression(program.result)};`);
    });
  }
}

/** The DSL functions a set of programs calls, sorted. */
function dslImports(programs: readonly Program[]): string[] {
  const used = new Set<string>(["Tensor"]);
  for (const program of programs) {
    for (const op of walkOps(program.body)) {
      const name = dslFunctionOf(op);
      if (name !== undefined) used.add(name);
      if (op.op === "full" || op.op === "iota" || op.op === "random" || op.op === "constant") used.add("dims");
      if (op.op === "haloExchange") for (const name of ["slice", "concat"]) used.add(name);
    }
  }
  return [...used].sort();
}

/** The generated module for the lowered `programs` of one source file. */
export function emitModule(programs: readonly Program[], options: EmitOptions): string {
  for (const program of programs) {
    if (program.stage !== "lowered") throw new Error(`emitModule: program "${program.name}" is not lowered`);
  }
  const writer = new CodeBlockWriter({ indentNumberOfSpaces: 2, useSingleQuote: false });
  writer.writeLine(`// DO NOT EDIT: generated by \`meshtype build ${options.sourceFile}\` from ${options.sourceFile}.`);
  writer.writeLine("// Each function is the program of one device: it takes local shards and calls the collectives of `ctx`.");
  const imports = dslImports(programs);
  const values = imports.filter((name) => name !== "Tensor");
  writer.writeLine(`import { ${[...values, "type Tensor"].join(", ")} } from ${JSON.stringify(options.dslModule ?? "meshtype")};`);
  const uses = (kind: string) => programs.some((program) => [...walkOps(program.body)].some((op) => op.op === kind));
  const masks = [...(uses("maskPadding") ? ["maskPadding", "validLength"] : []), ...(uses("dropout") ? ["blockDim"] : [])];
  writer.writeLine(`import { ${["checkLocalArgs", ...masks, "type DeviceContext"].join(", ")} } from ${JSON.stringify(options.runtimeModule ?? "meshtype/runtime")};`);
  const typeNames = new Set(["Tensor", "DeviceContext", "checkLocalArgs", ...masks, ...imports, ...programs.map((program) => program.name)]);
  for (const program of programs) {
    writer.blankLine();
    new ProgramEmitter(program, writer, new ParamTypes(program, typeNames)).emit();
    writer.blankLine();
    writer.writeLine(`/** How \`${program.name}\` shards its params and result: mesh, global dims and per-axis sharding. */`);
    writer.write(`export const ${program.name}Meta = ${writeLiteral(programMeta(program))} as const;`).newLine();
  }
  return writer.toString();
}
