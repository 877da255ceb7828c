/**
 * `meshtype plan --write`: put a plan back into the user's source with
 * ts-morph. The binding `export const p = program(model, { mesh: M, layout: L, ... })`
 * becomes
 *
 *     // meshtype plan (h100, 64 devices): 1.23 s per step, 41.2 GB per device
 *     const pMesh = mesh({ data: 8, model: 8 });
 *     export const p = program(model, { mesh: pMesh, layout: layout(pMesh, D, "batch:data, d_ff:model"), ... });
 *
 * with `D` the dims the binding's layout used (imported from the file that
 * declares them when the binding's file does not have them), `mesh` and
 * `layout` imported from "meshtype" when they are not, and
 * `weightUpdateSharding` and `pipeline` (a pipelined plan's `{ axis,
 * microbatches, schedule, stages? }`, the mesh carrying its axis) set or
 * removed as planned. Other bindings that
 * share the old mesh or layout are untouched. Running it again replaces the
 * mesh const and comment it wrote. The file is written only when every step
 * succeeds.
 */
import * as path from "node:path";
import { Node, Project, SyntaxKind, type CallExpression, type Identifier, type ObjectLiteralExpression, type SourceFile, type Statement } from "ts-morph";

/** What to write for one binding. */
export interface PlannedBinding {
  /** The binding's name (`export const <program> = program(...)`). */
  readonly program: string;
  readonly mesh: readonly { readonly name: string; readonly size: number }[];
  /** The layout string, e.g. `"batch:data, d_ff:model"` or `"auto"`. */
  readonly layout: string;
  /** The mesh axis to shard the weight update over, or undefined for none. */
  readonly weightUpdateSharding?: string;
  /**
   * A pipelined plan's pipeline option (`pipeline: { axis, microbatches, schedule, stages? }`; the mesh has
   * the axis); undefined removes one the binding had. `stages` (layers per stage) is written when the cut is uneven.
   */
  readonly pipeline?: { readonly axis: string; readonly microbatches: number; readonly schedule: "gpipe" | "1f1b"; readonly stages?: readonly number[] };
  /** The comment's text after `meshtype plan`, e.g. `(h100, 64 devices): 1.23 s per step, 41.2 GB per device`. */
  readonly comment: string;
}

/** Why a binding could not be rewritten. */
export class WritePlanError extends Error {}

const PLAN_COMMENT = "// meshtype plan";

function bindingCall(file: SourceFile, name: string): { call: CallExpression; options: ObjectLiteralExpression; statement: Statement } {
  const declaration = file.getVariableDeclaration(name);
  const call = declaration?.getInitializerIfKind(SyntaxKind.CallExpression);
  const options = call?.getArguments()[1];
  if (declaration === undefined || call === undefined || !Node.isObjectLiteralExpression(options)) {
    throw new WritePlanError(`${file.getBaseName()} has no binding "export const ${name} = program(model, { mesh, layout })" to rewrite`);
  }
  return { call, options, statement: declaration.getVariableStatementOrThrow() };
}

/** The `layout(M, D, "...")` call a layout expression is, following a const it names (in this file or another). */
function layoutCall(expression: Node): CallExpression | undefined {
  if (Node.isCallExpression(expression)) return expression.getExpression().getText() === "layout" ? expression : undefined;
  if (!Node.isIdentifier(expression)) return undefined;
  for (const declaration of expression.getSymbol()?.getAliasedSymbol()?.getDeclarations() ?? expression.getSymbol()?.getDeclarations() ?? []) {
    if (Node.isVariableDeclaration(declaration)) {
      const initializer = declaration.getInitializer();
      if (initializer !== undefined) return layoutCall(initializer);
    }
  }
  return undefined;
}

/** The name by which `file` can refer to the dims identifier `dims` (importing it when needed). */
function dimsName(file: SourceFile, dims: Identifier): string {
  const declared = dims.getSymbol()?.getAliasedSymbol() ?? dims.getSymbol();
  const declaration = declared?.getDeclarations()[0];
  if (declaration === undefined) throw new WritePlanError(`cannot find the declaration of the dims "${dims.getText()}"`);
  const home = declaration.getSourceFile();
  if (home === file) return dims.getText();
  for (const imported of file.getImportDeclarations()) {
    for (const specifier of imported.getNamedImports()) {
      const symbol = specifier.getNameNode().getSymbol();
      if ((symbol?.getAliasedSymbol() ?? symbol) === declared) return specifier.getAliasNode()?.getText() ?? specifier.getName();
    }
  }
  const name = declared?.getName() ?? dims.getText();
  if (!home.getExportedDeclarations().has(name)) throw new WritePlanError(`the dims "${name}" are not exported from ${home.getBaseName()}; export them so the plan can use them`);
  let specifier = path.relative(path.dirname(file.getFilePath()), home.getFilePath()).split(path.sep).join("/");
  if (!specifier.startsWith(".")) specifier = `./${specifier}`;
  const existing = file.getImportDeclaration((declarationNode) => declarationNode.getModuleSpecifierValue() === specifier);
  if (existing) existing.addNamedImport(name);
  else file.addImportDeclaration({ moduleSpecifier: specifier, namedImports: [name] });
  return name;
}

/** Make sure `names` are imported from "meshtype". */
function importFromMeshtype(file: SourceFile, names: readonly string[]): void {
  const declaration = file.getImportDeclaration((candidate) => candidate.getModuleSpecifierValue() === "meshtype" && !candidate.isTypeOnly());
  const have = new Set(declaration?.getNamedImports().map((specifier) => specifier.getName()) ?? []);
  const missing = names.filter((name) => !have.has(name));
  if (missing.length === 0) return;
  if (declaration) declaration.addNamedImports(missing);
  else file.insertImportDeclaration(0, { moduleSpecifier: "meshtype", namedImports: [...missing] });
}

/** A fresh const name for the binding's mesh, or the one a previous plan wrote. */
function meshConst(file: SourceFile, program: string, options: ObjectLiteralExpression): { name: string; previous?: Statement } {
  const current = options.getProperty("mesh");
  const initializer = Node.isPropertyAssignment(current) ? current.getInitializer() : undefined;
  if (initializer && Node.isIdentifier(initializer)) {
    const declaration = file.getVariableDeclaration(initializer.getText());
    const statement = declaration?.getVariableStatement();
    if (statement && statement.getLeadingCommentRanges().some((range) => range.getText().startsWith(PLAN_COMMENT))) return { name: initializer.getText(), previous: statement };
  }
  let name = `${program}Mesh`;
  for (let index = 2; file.getVariableDeclaration(name) !== undefined || file.getFunction(name) !== undefined; index++) name = `${program}Mesh${index}`;
  return { name };
}

/** The options object with `replaced` properties set (undefined: removed), the others kept as written, on one line. */
function optionsText(options: ObjectLiteralExpression, replaced: Readonly<Record<string, string | undefined>>): string {
  const entries: string[] = [];
  const done = new Set<string>();
  for (const property of options.getProperties()) {
    const name = Node.isPropertyAssignment(property) || Node.isShorthandPropertyAssignment(property) ? property.getName() : undefined;
    if (name !== undefined && name in replaced) {
      done.add(name);
      if (replaced[name] !== undefined) entries.push(`${name}: ${replaced[name]}`);
    } else entries.push(property.getText());
  }
  for (const [name, value] of Object.entries(replaced)) if (!done.has(name) && value !== undefined) entries.push(`${name}: ${value}`);
  return `{ ${entries.join(", ")} }`;
}

/** `{ axis: "pipe", microbatches: 8, schedule: "1f1b", stages: [3, 5] }`; the stages only when they differ. */
function pipelineText(pipeline: NonNullable<PlannedBinding["pipeline"]>): string {
  const stages = pipeline.stages;
  const uneven = stages !== undefined && stages.some((count) => count !== stages[0]);
  return `{ axis: ${JSON.stringify(pipeline.axis)}, microbatches: ${pipeline.microbatches}, schedule: ${JSON.stringify(pipeline.schedule)}${uneven ? `, stages: [${stages.join(", ")}]` : ""} }`;
}

/** Rewrite the bindings of `file` as planned (see the module comment); returns the new text. Throws WritePlanError. */
export function rewriteBindings(file: SourceFile, plans: readonly PlannedBinding[]): string {
  for (const plan of plans) {
    const { options, statement } = bindingCall(file, plan.program);
    const layoutProperty = options.getProperty("layout");
    const current = Node.isPropertyAssignment(layoutProperty) ? layoutProperty.getInitializer() : undefined;
    const found = current === undefined ? undefined : layoutCall(current);
    const dims = found?.getArguments()[1];
    if (dims === undefined || !Node.isIdentifier(dims)) {
      throw new WritePlanError(`the layout of "${plan.program}" is not a layout(mesh, D, "...") call or a const holding one, so the plan cannot tell its dims`);
    }
    const dimsText = dimsName(file, dims);
    importFromMeshtype(file, ["mesh", "layout"]);
    const { name, previous } = meshConst(file, plan.program, options);
    const meshText = `mesh({ ${plan.mesh.map((axis) => `${axis.name}: ${axis.size}`).join(", ")} })`;
    const comment = `${PLAN_COMMENT} ${plan.comment}`;
    const declarationText = `${comment}\nconst ${name} = ${meshText};`;
    if (previous) {
      const start = previous.getLeadingCommentRanges().find((range) => range.getText().startsWith(PLAN_COMMENT))?.getPos() ?? previous.getStart();
      file.replaceText([start, previous.getEnd()], declarationText);
    } else {
      file.insertStatements(statement.getChildIndex(), declarationText);
    }
    const { options: fresh } = bindingCall(file, plan.program);
    fresh.replaceWithText(optionsText(fresh, {
      mesh: name,
      layout: `layout(${name}, ${dimsText}, ${JSON.stringify(plan.layout)})`,
      weightUpdateSharding: plan.weightUpdateSharding === undefined ? undefined : JSON.stringify(plan.weightUpdateSharding),
      pipeline: plan.pipeline === undefined ? undefined : pipelineText(plan.pipeline),
    }));
  }
  return file.getFullText();
}

/** Rewrite `filePath` on disk as planned; `tsConfigFilePath` resolves its imports. Throws WritePlanError (and leaves the file as it was). */
export function writePlan(filePath: string, plans: readonly PlannedBinding[], tsConfigFilePath?: string): string {
  const project = tsConfigFilePath ? new Project({ tsConfigFilePath, skipAddingFilesFromTsConfig: true }) : new Project();
  const file = project.addSourceFileAtPath(filePath);
  project.resolveSourceFileDependencies();
  const text = rewriteBindings(file, plans);
  file.saveSync();
  return text;
}
