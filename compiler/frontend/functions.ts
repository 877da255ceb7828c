/**
 * Functions in model code: making a function value (checking that it does not
 * capture a variable that can change), and inlining a call to it. Because
 * every argument is a static value (strings, sizes) or an IR value, inlining
 * specialises a generic helper to its call site.
 */
import { Node, SyntaxKind, VariableDeclarationKind, type CallExpression } from "ts-morph";
import { frontendMessages } from "../diagnostics/frontendMessages.ts";
import { bindName, withDefault } from "./bindPattern.ts";
import { evalExpression } from "./evalExpression.ts";
import { runFunctionBody } from "./evalStatements.ts";
import { maxCallDepth, type Evaluator } from "./evaluator.ts";
import type { Scope } from "./scope.ts";
import { undefinedValue, type FunctionNode, type StaticValue } from "./staticValue.ts";

const capturedCache = new WeakMap<Node, Node | null>();

/** The `let`/`var` variable declared outside `fn` that `fn` reads or writes, if any (cached per function). */
function capturedMutable(fn: Node): Node | undefined {
  const cached = capturedCache.get(fn);
  if (cached !== undefined) return cached ?? undefined;
  const found = findCapturedMutable(fn);
  capturedCache.set(fn, found ?? null);
  return found;
}

function findCapturedMutable(fn: Node): Node | undefined {
  for (const identifier of fn.getDescendantsOfKind(SyntaxKind.Identifier)) {
    const declaration = identifier.getSymbol()?.getDeclarations()[0];
    if (!declaration || !Node.isVariableDeclaration(declaration)) continue;
    if (declarationKindOf(declaration) === VariableDeclarationKind.Const) continue;
    if (declaration.getStart() >= fn.getStart() && declaration.getEnd() <= fn.getEnd()) continue;
    return identifier;
  }
  return undefined;
}

/** Whether a variable declaration is const, let or var. */
export function declarationKindOf(declaration: Node): VariableDeclarationKind | undefined {
  const list = declaration.getParent();
  return list && Node.isVariableDeclarationList(list) ? list.getDeclarationKind() : undefined;
}

/** A function value for `node`, written in `scope`. */
export function functionValue(ev: Evaluator, node: FunctionNode, scope: Scope, name: string): StaticValue {
  const captured = capturedMutable(node);
  if (captured) return ev.fail(frontendMessages.closureCapturesMutable, { name: captured.getText() }, captured);
  return { kind: "function", node, scope, name };
}

/** "an async", "a generator" or undefined: what keeps a function from being inlined as model code. */
export function asyncKind(node: FunctionNode): string | undefined {
  if (node.isAsync()) return "an async";
  if (!Node.isArrowFunction(node) && node.isGenerator()) return "a generator";
  return undefined;
}

/** The `async` keyword or the `*` of a generator, where MT1703 points (the function itself when neither is found). */
export function asyncMarker(node: FunctionNode): Node {
  const keyword = node.getModifiers().find((modifier) => modifier.getKind() === SyntaxKind.AsyncKeyword);
  if (keyword) return keyword;
  return (!Node.isArrowFunction(node) ? node.getAsteriskToken() : undefined) ?? node;
}

/** Inline a call of `fn` with `args`; its result. */
export function callFunction(ev: Evaluator, fn: Extract<StaticValue, { kind: "function" }>, args: readonly StaticValue[], call: CallExpression): StaticValue {
  const body = fn.node.getBody();
  if (body === undefined) return ev.fail(frontendMessages.unknownFunction, { text: call.getExpression().getText() }, call);
  const kind = asyncKind(fn.node);
  if (kind !== undefined) return ev.fail(frontendMessages.asyncFunction, { name: fn.name || call.getExpression().getText(), kind }, call);
  if (ev.depth >= maxCallDepth) {
    return ev.fail(frontendMessages.recursionTooDeep, { name: fn.name, reason: `Calls nest deeper than ${maxCallDepth} levels` }, call);
  }
  if (++ev.calls > ev.callLimit) {
    return ev.fail(frontendMessages.recursionTooDeep, { name: fn.name, reason: `The model makes more than ${ev.callLimit} calls` }, call);
  }
  ev.depth++;
  ev.callStack.push(call);
  // checkpoint(f): the ops this call adds to the current block are recomputed in the backward (compiler/autodiff/forwardScope.ts)
  const from = fn.checkpoint === true ? ev.builder.currentBlock().length : -1;
  try {
    const scope = fn.scope.child();
    fn.node.getParameters().forEach((parameter, index) => {
      const value = parameter.isRestParameter()
        ? { kind: "array" as const, items: args.slice(index) }
        : withDefault(ev, args[index] ?? undefinedValue, parameter.getInitializer(), scope);
      bindName(ev, parameter.getNameNode(), value, scope, true);
    });
    if (Node.isBlock(body)) return runFunctionBody(ev, body, scope);
    if (Node.isExpression(body)) return evalExpression(ev, body, scope);
    return undefinedValue;
  } finally {
    if (from >= 0) ev.builder.markCheckpointed(from);
    ev.callStack.pop();
    ev.depth--;
  }
}
