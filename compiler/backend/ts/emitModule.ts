/**
 * The TypeScript back end: one module per source file, holding every lowered
 * program of that file as `export async function <name>(ctx, ...params)` that
 * takes local shards and returns the local result (same tree shape as the
 * model returns), plus `<name>Meta` for harnesses. Written through
 * code-block-writer; loops stay loops; each line's comment gives the local
 * shape and sharding, and each collective its mesh axis and bytes.
 */
import { CodeBlockWriter } from "ts-morph";
import type { Block, Loop, Op, Program, ValueId, ValueTree } from "../../ir/ir.ts";
import { isLoop, walkOps } from "../../ir/opAttrs.ts";
import { formatDims } from "../../ir/printer.ts";
import { formatSharding } from "../../ir/sharding.ts";
import { collectiveCost } from "../../explain/bytes.ts";
import { dslFunctionOf, emitOpExpression } from "./emitOp.ts";
import { propertyKey, writeLiteral } from "./literal.ts";
import { programMeta } from "./meta.ts";
import { accessPath, NameTable } from "./names.ts";

/** Where the generated module imports from, and what made it. */
export interface EmitOptions {
  /** The user's source file, for the banner (as the user wrote it on the command line). */
  readonly sourceFile: string;
  /** Import specifiers; default "meshtype" and "meshtype/runtime". */
  readonly dslModule?: string;
  readonly runtimeModule?: string;
}

function tensorType(program: Program, id: ValueId): string {
  const dims = program.values.get(id)?.dims ?? [];
  return `Tensor<${JSON.stringify(dims.map((dim) => dim.name).join(" "))}>`;
}

function treeType(program: Program, tree: ValueTree): string {
  switch (tree.kind) {
    case "tensor":
      return tensorType(program, tree.value);
    case "array":
      return `readonly [${tree.items.map((item) => treeType(program, item)).join(", ")}]`;
    case "object":
      return `{ ${Object.entries(tree.fields).map(([field, item]) => `readonly ${propertyKey(field)}: ${treeType(program, item)}`).join("; ")} }`;
  }
}

class ProgramEmitter {
  private readonly names = new NameTable();
  private readonly identifiers = new Map<ValueId, string>();

  constructor(private readonly program: Program, private readonly writer: CodeBlockWriter) {}

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
      return `${op.op} over "${cost.axis}" (${cost.groupSize} devices): ${moved}; local ${local}`;
    }
    const sharding = value?.sharding ? ` ${formatSharding(value.sharding)}` : "";
    return `local ${local}${sharding}`;
  }

  private op(op: Op): void {
    if (op.op === "param") return;
    const expression = emitOpExpression(op, op.inputs.map((input) => this.name(input)), this.program.values.get(op.output) ?? { id: op.output, dims: [] });
    this.writer.writeLine(`const ${this.name(op.output)} = ${expression}; // ${this.comment(op)}`);
  }

  private loop(loop: Loop): void {
    const writer = this.writer;
    for (const entry of loop.carried) {
      writer.writeLine(`let ${this.name(entry.param)} = ${this.name(entry.init)};`);
      this.identifiers.set(entry.output, this.name(entry.param));
    }
    const lists = loop.indexed.map((entry) => {
      const list = this.names.fresh(`${this.program.values.get(entry.param)?.hint ?? "items"}_items`, `items${entry.param}`);
      writer.writeLine(`const ${list} = [${entry.items.map((item) => this.name(item)).join(", ")}] as const;`);
      return list;
    });
    const index = this.names.fresh("i", "i");
    writer.write(`for (let ${index} = 0; ${index} < ${loop.count}; ${index}++)`).block(() => {
      loop.indexed.forEach((entry, position) => writer.writeLine(`const ${this.name(entry.param)} = ${lists[position]}[${index}];`));
      this.block(loop.body);
      for (const entry of loop.carried) writer.writeLine(`${this.name(entry.param)} = ${this.name(entry.result)};`);
    });
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
      case "array":
        return `[${tree.items.map((item) => this.treeExpression(item)).join(", ")}]`;
      case "object":
        return `{ ${Object.entries(tree.fields).map(([field, item]) => `${propertyKey(field)}: ${this.treeExpression(item)}`).join(", ")} }`;
    }
  }

  emit(): void {
    const { program, writer } = this;
    const params = program.params.map((param) => ({ param, identifier: this.names.fresh(param.name, "param") }));
    for (const op of walkOps(program.body)) {
      if (op.op !== "param") continue;
      const [head, ...rest] = op.path.split(".");
      const owner = params.find((entry) => entry.param.name === head);
      this.identifiers.set(op.output, rest.length === 0 && owner ? owner.identifier : this.names.fresh(op.path.replace(/\./g, "_"), `p${op.output}`));
    }
    const mesh = program.mesh.map((axis) => `${axis.name}=${axis.size}`).join(" ");
    writer.writeLine(`/** \`${program.name}\` on mesh [${mesh}] with layout "${program.layoutSpec}": the program of one device (local shards in, local result out). */`);
    const signature = params.map(({ param, identifier }) => `${identifier}: ${treeType(program, param.tree)}`);
    writer.write(`export async function ${program.name}(${["ctx: DeviceContext", ...signature].join(", ")})`).block(() => {
      for (const op of walkOps(program.body)) {
        if (op.op !== "param") continue;
        const [head, ...rest] = op.path.split(".");
        const owner = params.find((entry) => entry.param.name === head);
        if (rest.length > 0 && owner) writer.writeLine(`const ${this.name(op.output)} = ${accessPath(owner.identifier, rest)}; // local ${formatDims(program.values.get(op.output)?.localDims ?? [])}`);
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
      if (op.op === "full" || op.op === "iota" || op.op === "random") used.add("dims");
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
  writer.writeLine(`import type { DeviceContext } from ${JSON.stringify(options.runtimeModule ?? "meshtype/runtime")};`);
  for (const program of programs) {
    writer.blankLine();
    new ProgramEmitter(program, writer).emit();
    writer.blankLine();
    writer.writeLine(`/** How \`${program.name}\` shards its params and result: mesh, global dims and per-axis sharding. */`);
    writer.write(`export const ${program.name}Meta = ${writeLiteral(programMeta(program))} as const;`).newLine();
  }
  return writer.toString();
}
