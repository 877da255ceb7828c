/**
 * Reading an identifier: a local variable from the scope chain, or else what
 * the checker says it refers to: a function declaration, a module-level const
 * (Dims, Mesh and Layout values are read from their types, anything else is
 * evaluated from its initializer), a DSL op, or `Math`.
 */
import { Node, VariableDeclarationKind, type Identifier, type VariableDeclaration } from "ts-morph";
import { frontendMessages } from "../diagnostics/frontendMessages.ts";
import { classifyDeclaration, classifyType, declarationOf } from "./dslSymbols.ts";
import { evalExpression } from "./evalExpression.ts";
import type { Evaluator } from "./evaluator.ts";
import { declarationKindOf, functionValue } from "./functions.ts";
import { readLayoutType, sizesOf } from "./readTypes.ts";
import { Scope } from "./scope.ts";
import { leaves, num, undefinedValue, type StaticValue } from "./staticValue.ts";

const globals: Readonly<Record<string, StaticValue>> = {
  undefined: undefinedValue,
  NaN: num(Number.NaN),
  Infinity: num(Number.POSITIVE_INFINITY),
};

/** The value of identifier `node` in `scope`. */
export function readIdentifier(ev: Evaluator, node: Identifier, scope: Scope): StaticValue {
  const name = node.getText();
  const local = scope.lookup(name);
  if (local) return local.value;
  const declaration = declarationOf(node);
  if (declaration === undefined) {
    const global = globals[name];
    if (global) return global;
    return ev.fail(frontendMessages.unknownIdentifier, { name }, node);
  }
  if (declaration.getSourceFile().isDeclarationFile() && name === "Math") return { kind: "math" };
  const entity = classifyDeclaration(declaration);
  if (entity?.kind === "op") return { kind: "op", name: entity.name };
  // An overloaded function is inlined from its implementation (the declaration found first is an overload signature).
  if (Node.isFunctionDeclaration(declaration)) return functionValue(ev, declaration.getImplementation() ?? declaration, new Scope(), declaration.getName() ?? name);
  if (Node.isVariableDeclaration(declaration) && isModuleLevel(declaration)) return readModuleConst(ev, declaration, node);
  return ev.fail(frontendMessages.unknownIdentifier, { name }, node);
}

function isModuleLevel(declaration: VariableDeclaration): boolean {
  return Node.isSourceFile(declaration.getVariableStatement()?.getParent());
}

function readModuleConst(ev: Evaluator, declaration: VariableDeclaration, use: Identifier): StaticValue {
  const cached = ev.moduleValues.get(declaration);
  if (cached) return cached;
  const fromType = readDslType(declaration);
  if (fromType) return fromType;
  const initializer = declaration.getInitializer();
  if (declarationKindOf(declaration) !== VariableDeclarationKind.Const || initializer === undefined) {
    return ev.fail(frontendMessages.unknownIdentifier, { name: use.getText() }, use);
  }
  if (Node.isArrowFunction(initializer) || Node.isFunctionExpression(initializer)) {
    return functionValue(ev, initializer, new Scope(), declaration.getName());
  }
  const value = evalExpression(ev, initializer, new Scope());
  if (leaves(value).length === 0) ev.moduleValues.set(declaration, value);
  return value;
}

/** A Dims, Mesh or Layout const read from its declared type, or undefined. */
function readDslType(declaration: VariableDeclaration): StaticValue | undefined {
  const type = declaration.getType();
  const kind = classifyType(type)?.kind;
  if (kind === "dimsClass") {
    const sizes = sizesOf(type, declaration);
    return sizes && { kind: "dims", sizes };
  }
  if (kind === "meshClass") {
    const sizes = sizesOf(type, declaration);
    return sizes && { kind: "mesh", axes: Object.entries(sizes).map(([name, size]) => ({ name, size })) };
  }
  if (kind === "layoutClass") {
    const layout = readLayoutType(type, declaration);
    if (layout.spec === undefined || !layout.axes || !layout.sizes) return undefined;
    return { kind: "layout", spec: layout.spec, mesh: Object.entries(layout.axes).map(([name, size]) => ({ name, size })), sizes: layout.sizes };
  }
  return undefined;
}
