/**
 * Finding the programs of a file: every `program(model, { mesh, layout })`
 * call whose callee resolves to meshtype's `program`, bound to an exported
 * const. The mesh, the dim sizes and the layout come from the types of the
 * options (`Mesh<Axes>`, `Layout<Axes, Sizes, Spec>`), so they may be declared
 * in any file.
 */
import { Node, SyntaxKind, VariableDeclarationKind, type CallExpression, type SourceFile } from "ts-morph";
import { dtypes, isDtype, type Dtype } from "../../dsl/dtype.ts";
import type { MeshAxis } from "../../dsl/mesh.ts";
import { parseLayout, type LayoutRule } from "../../dsl/parseLayout.ts";
import { CompileError, diagnostic, fail, type Diagnostic } from "../diagnostics/diagnostic.ts";
import { frontendMessages } from "../diagnostics/frontendMessages.ts";
import { recomputePolicies, type RecomputePolicy } from "../autodiff/forwardScope.ts";
import type { PipelineSpec, ProgramSources, SourceLoc } from "../ir/ir.ts";
import { readPipeline } from "./readPipeline.ts";
import { bindingSources } from "./bindingSources.ts";
import { computeDimsCall, dimsCallOf } from "./computedSizes.ts";
import { classifyCallee, declarationOf } from "./dslSymbols.ts";
import type { Locator } from "./location.ts";
import { asyncKind, asyncMarker } from "./functions.ts";
import { literalString, optionType, readLayoutType, sizesOf } from "./readTypes.ts";
import type { FunctionNode } from "./staticValue.ts";

/** One `export const name = program(model, { mesh, layout })`, with what its types say. */
export interface ProgramBinding {
  readonly name: string;
  readonly call: CallExpression;
  readonly loc: SourceLoc;
  readonly model: FunctionNode;
  readonly mesh: readonly MeshAxis[];
  /** The sizes of the layout's dims({...}). */
  readonly sizes: Readonly<Record<string, number>>;
  readonly layoutSpec: string;
  readonly layout: readonly LayoutRule[];
  /** The `weightUpdateSharding` axis of the options, if given. */
  readonly weightUpdateSharding?: string;
  /** Where the layout, its rules, the dims and the mesh are written. */
  readonly sources: ProgramSources;
  /** The `recompute` policy of the options, if given. */
  readonly recompute?: RecomputePolicy;
  /** false: calls of `checkpoint(f)` recompute nothing (explain's comparison with recompute "none"); default true. */
  readonly checkpoints?: boolean;
  /** The `dtype` of the options, if given. */
  readonly dtype?: Dtype;
  /** The `pipeline` option, if given. */
  readonly pipeline?: PipelineSpec;
}

function modelFunction(call: CallExpression, locator: Locator): FunctionNode {
  const argument = call.getArguments()[0];
  const fail1 = (): never => fail(frontendMessages.modelNotFunction, { text: argument?.getText() ?? "(missing)" }, locator.of(argument ?? call));
  if (argument === undefined) return fail1();
  let target: Node | undefined = argument;
  if (Node.isIdentifier(argument) || Node.isPropertyAccessExpression(argument)) target = declarationOf(argument);
  if (target && Node.isVariableDeclaration(target)) target = target.getInitializer();
  if (target && (Node.isFunctionDeclaration(target) || Node.isArrowFunction(target) || Node.isFunctionExpression(target)) && target.getBody()) {
    const kind = asyncKind(target);
    if (kind !== undefined) return fail(frontendMessages.asyncFunction, { name: argument.getText(), kind }, locator.of(asyncMarker(target)));
    return target;
  }
  return fail1();
}

function exportedConstName(call: CallExpression): string | undefined {
  const declaration = call.getParent();
  if (!Node.isVariableDeclaration(declaration) || declaration.getInitializer() !== call) return undefined;
  const statement = declaration.getVariableStatement();
  if (!statement || !statement.isExported() || statement.getDeclarationKind() !== VariableDeclarationKind.Const) return undefined;
  if (!Node.isSourceFile(statement.getParent()) || !Node.isIdentifier(declaration.getNameNode())) return undefined;
  return declaration.getName();
}

function asAxes(sizes: Readonly<Record<string, number>>): MeshAxis[] {
  return Object.entries(sizes).map(([name, size]) => ({ name, size }));
}

/**
 * The `weightUpdateSharding` axis of the options (from the object literal's
 * property, else from the options' type), checked against the mesh's axes.
 */
function readUpdateAxis(options: Node, meshAxes: readonly MeshAxis[], locator: Locator): string | undefined {
  const { type, property } = optionType(options, "weightUpdateSharding");
  if (property === undefined && type === undefined) return undefined;
  const at = property ?? options;
  const axis = literalString(type);
  if (axis === undefined && type?.isUndefined()) return undefined;
  if (axis === undefined || !meshAxes.some((entry) => entry.name === axis)) {
    const what = `weightUpdateSharding axis (a literal name of one of the mesh's axes: ${meshAxes.map((entry) => entry.name).join(", ")})`;
    return fail(frontendMessages.bindingNotStatic, { what, type: type?.getText(at) ?? "unknown" }, locator.of(at));
  }
  return axis;
}

/** The `recompute` policy of the options (from the object literal's property, else from the options' type). */
function readRecompute(options: Node, locator: Locator): RecomputePolicy | undefined {
  const { type, property } = optionType(options, "recompute");
  if (property === undefined && type === undefined) return undefined;
  const at = property ?? options;
  const policy = literalString(type);
  if (policy === undefined && type?.isUndefined()) return undefined;
  const known = recomputePolicies.find((entry) => entry === policy);
  if (known === undefined) {
    const what = `recompute policy (a literal: ${recomputePolicies.map((entry) => `"${entry}"`).join(", ")})`;
    return fail(frontendMessages.bindingNotStatic, { what, type: type?.getText(at) ?? "unknown" }, locator.of(at));
  }
  return known;
}

/** The `dtype` of the options (from the object literal's property, else from the options' type), if given. */
function readDtype(options: Node, locator: Locator): Dtype | undefined {
  const { type, property } = optionType(options, "dtype");
  if (property === undefined && type === undefined) return undefined;
  const at = property ?? options;
  const name = literalString(type);
  if (name === undefined && type?.isUndefined()) return undefined;
  if (!isDtype(name)) {
    return fail(frontendMessages.badDtype, { dtypes: dtypes.map((entry) => `"${entry}"`).join(" or "), type: type?.getText(at) ?? "unknown" }, locator.of(at));
  }
  return name;
}

/**
 * Every mesh axis and dim size a positive whole number (the editor says so
 * too; a build without type checking must not compile a mesh of -1 devices):
 * MT1704/MT1705 at the `mesh({...})` / `dims({...})` entry, all of them.
 */
function checkSizes(mesh: Readonly<Record<string, number>>, sizes: Readonly<Record<string, number>>, sources: ProgramSources, at: SourceLoc): void {
  const found: Diagnostic[] = [];
  for (const [axis, size] of Object.entries(mesh)) {
    if (!Number.isInteger(size) || size < 1) found.push(diagnostic(frontendMessages.badMeshSize, { axis, size: String(size) }, sources.mesh?.[axis] ?? at));
  }
  for (const [dim, size] of Object.entries(sizes)) {
    if (!Number.isInteger(size) || size < 1) found.push(diagnostic(frontendMessages.badDimSize, { dim, size: String(size) }, sources.dims?.[dim] ?? at));
  }
  if (found.length > 0) throw new CompileError(found);
}

/** Read one binding's mesh and layout from the types of its options. */
export function readBinding(call: CallExpression, name: string, locator: Locator): ProgramBinding {
  const model = modelFunction(call, locator);
  const options = call.getArguments()[1] ?? call;
  const layoutType = optionType(options, "layout").type;
  const layoutAt = locator.of(options);
  if (layoutType === undefined) return fail(frontendMessages.bindingNotStatic, { what: "layout", type: options.getType().getText(options) }, layoutAt);
  const layout = readLayoutType(layoutType, options);
  const meshSizes = sizesOf(optionType(options, "mesh").type, options) ?? layout.axes;
  const typeText = layoutType.getText(options);
  if (layout.spec === undefined) return fail(frontendMessages.bindingNotStatic, { what: "layout string", type: typeText }, layoutAt);
  // Sizes the types do not keep (computed ones are `number`): computed from the dims({...}) call itself, each entry at its line.
  const dimsCall = layout.sizes === undefined ? dimsCallOf(options) : undefined;
  const sizes = layout.sizes ?? (dimsCall === undefined ? undefined : computeDimsCall(dimsCall, locator));
  if (sizes === undefined) return fail(frontendMessages.bindingNotStatic, { what: "dim sizes", type: typeText }, layoutAt);
  if (meshSizes === undefined) return fail(frontendMessages.bindingNotStatic, { what: "mesh axes", type: typeText }, layoutAt);
  let rules: LayoutRule[];
  try {
    rules = parseLayout(layout.spec);
  } catch (error) {
    return fail(frontendMessages.badLayoutSpec, { spec: layout.spec, reason: error instanceof Error ? error.message : String(error) }, layoutAt);
  }
  const mesh = asAxes(meshSizes);
  const sources = { ...bindingSources(call, locator), dimSizes: sizes };
  checkSizes(meshSizes, sizes, sources, locator.of(call));
  const weightUpdateSharding = readUpdateAxis(options, mesh, locator);
  const recompute = readRecompute(options, locator);
  const dtype = readDtype(options, locator);
  const pipeline = readPipeline(options, mesh, sizes, rules, layout.spec, locator);
  return {
    name, call, loc: locator.of(call), model, mesh, sizes, layoutSpec: layout.spec, layout: rules, sources,
    ...(weightUpdateSharding === undefined ? {} : { weightUpdateSharding }),
    ...(recompute === undefined ? {} : { recompute }),
    ...(dtype === undefined ? {} : { dtype }),
    ...(pipeline === undefined ? {} : { pipeline }),
  };
}

/** The program bindings of `file`, and a diagnostic for each `program(...)` call that cannot be read. */
export function findPrograms(file: SourceFile, locator: Locator): { bindings: ProgramBinding[]; diagnostics: Diagnostic[] } {
  const bindings: ProgramBinding[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const call of file.getDescendantsOfKind(SyntaxKind.CallExpression)) {
    if (classifyCallee(call.getExpression())?.kind !== "program") continue;
    const name = exportedConstName(call);
    if (name === undefined) {
      diagnostics.push(diagnostic(frontendMessages.notExportedConst, { text: call.getText().replace(/\s+/g, " ").slice(0, 60) }, locator.of(call)));
      continue;
    }
    try {
      bindings.push(readBinding(call, name, locator));
    } catch (error) {
      if (!(error instanceof CompileError)) throw error;
      diagnostics.push(...error.diagnostics);
    }
  }
  return { bindings, diagnostics };
}
