/**
 * Where a program binding's layout, dims and mesh are written: from
 * `program(model, { mesh: M, layout: L })`, follow `L` to its
 * `layout(M, D, "spec")` call (through consts, in any file), then `D` to its
 * `dims({...})` and `M` to its `mesh({...})`. Diagnostics about the binding
 * (a layout rule that cannot hold a tensor, a size an axis does not divide)
 * point there instead of at the program or a parameter.
 */
import { Node, type CallExpression, type Expression } from "ts-morph";
import type { ProgramSources, SourceLoc } from "../ir/ir.ts";
import { classifyCallee, declarationOf } from "./dslSymbols.ts";
import type { Locator } from "./location.ts";

/** Strip parentheses, `as`, `satisfies` and `!` around an expression. */
function unwrap(node: Node): Node {
  let current = node;
  while (Node.isParenthesizedExpression(current) || Node.isAsExpression(current) || Node.isSatisfiesExpression(current) || Node.isNonNullExpression(current)) {
    current = current.getExpression();
  }
  return current;
}

/** The `kind(...)` call (layout, dims or mesh) that `node` is, or is a const bound to; followed through a few consts. */
function callOf(node: Node | undefined, kind: "layout" | "dims" | "mesh"): CallExpression | undefined {
  let current = node === undefined ? undefined : unwrap(node);
  for (let hops = 0; current !== undefined && hops < 8; hops++) {
    if (Node.isCallExpression(current)) return classifyCallee(current.getExpression())?.kind === kind ? current : undefined;
    if (!Node.isIdentifier(current) && !Node.isPropertyAccessExpression(current)) return undefined;
    const declaration = declarationOf(current);
    if (!declaration || !Node.isVariableDeclaration(declaration)) return undefined;
    const initializer = declaration.getInitializer();
    current = initializer === undefined ? undefined : unwrap(initializer);
  }
  return undefined;
}

/** The value written for property `name` of an object literal (`name: value` or the shorthand `name`). */
function propertyValue(objectNode: Node | undefined, name: string): Node | undefined {
  if (objectNode === undefined || !Node.isObjectLiteralExpression(objectNode)) return undefined;
  const property = objectNode.getProperty(name);
  if (property && Node.isPropertyAssignment(property)) return property.getInitializer();
  if (property && Node.isShorthandPropertyAssignment(property)) return property.getNameNode();
  return undefined;
}

/** Each `name: value` entry of the object literal given to `call`, by name: where it is written. */
function entries(call: CallExpression | undefined, locator: Locator): Record<string, SourceLoc> | undefined {
  const literal = call?.getArguments()[0];
  const object = literal === undefined ? undefined : unwrap(literal);
  if (object === undefined || !Node.isObjectLiteralExpression(object)) return undefined;
  const found: Record<string, SourceLoc> = {};
  for (const property of object.getProperties()) {
    if (Node.isPropertyAssignment(property) || Node.isShorthandPropertyAssignment(property)) found[property.getName()] = locator.of(property);
  }
  return found;
}

/** Each `dim:axis` rule of a layout string literal, by dim: where the rule starts. */
function ruleLocs(spec: Expression, locator: Locator): Record<string, SourceLoc> | undefined {
  if (!Node.isStringLiteral(spec) && !Node.isNoSubstitutionTemplateLiteral(spec)) return undefined;
  const text = spec.getLiteralText();
  const file = spec.getSourceFile();
  const found: Record<string, SourceLoc> = {};
  // The literal's raw text starts after its quote; escapes in layout strings are not expected, so offsets line up.
  const start = spec.getStart() + 1;
  for (const match of text.matchAll(/([^\s,:]+)\s*:/g)) {
    const { line, column } = file.getLineAndColumnAtPos(start + (match.index ?? 0));
    found[match[1]] = locator.at(file.getFilePath(), line, column);
  }
  return found;
}

/** Where the binding `program(model, options)` writes its layout, dims and mesh (as much as can be found). */
export function bindingSources(call: CallExpression, locator: Locator): ProgramSources {
  const options = call.getArguments()[1];
  const objectNode = options === undefined ? undefined : unwrap(options);
  const layoutCall = callOf(propertyValue(objectNode, "layout"), "layout");
  const [meshArg, dimsArg, specArg] = layoutCall?.getArguments() ?? [];
  const spec = specArg !== undefined && Node.isExpression(specArg) ? specArg : undefined;
  const meshCall = callOf(propertyValue(objectNode, "mesh"), "mesh") ?? callOf(meshArg, "mesh");
  const sources: { -readonly [K in keyof ProgramSources]: ProgramSources[K] } = {};
  if (layoutCall) sources.layout = locator.of(spec ?? layoutCall);
  const rules = spec === undefined ? undefined : ruleLocs(spec, locator);
  if (rules) sources.layoutRules = rules;
  const dims = entries(callOf(dimsArg, "dims"), locator);
  if (dims) sources.dims = dims;
  const mesh = entries(meshCall, locator);
  if (mesh) sources.mesh = mesh;
  return sources;
}
