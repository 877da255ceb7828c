/**
 * Reading the header of a counted loop, `for (let i = start; i < N; i++)`
 * (also `<=`, `++i`, `i += 1`, `i = i + 1`), with static start and bound.
 */
import { Node, SyntaxKind, type ForStatement, type VariableDeclaration } from "ts-morph";
import { frontendMessages } from "../diagnostics/frontendMessages.ts";
import { evalExpression } from "./evalExpression.ts";
import type { Evaluator } from "./evaluator.ts";
import type { Scope } from "./scope.ts";
import { describeValue } from "./staticValue.ts";

/** A counted loop's variable, its first value and its trip count. */
export interface ForHeader {
  readonly name: string;
  readonly declaration: VariableDeclaration;
  readonly start: number;
  readonly count: number;
}

function isStep(node: Node | undefined, name: string): boolean {
  if (!node) return false;
  if (Node.isPostfixUnaryExpression(node) || Node.isPrefixUnaryExpression(node)) {
    return node.getOperatorToken() === SyntaxKind.PlusPlusToken && node.getOperand().getText() === name;
  }
  if (!Node.isBinaryExpression(node) || node.getLeft().getText() !== name) return false;
  const operator = node.getOperatorToken().getKind();
  const right = node.getRight().getText().replace(/\s+/g, "");
  if (operator === SyntaxKind.PlusEqualsToken) return right === "1";
  return operator === SyntaxKind.EqualsToken && (right === `${name}+1` || right === `1+${name}`);
}

/** Read and check the header of `node`; a diagnostic when it is not a counted loop with static bounds. */
export function readForHeader(ev: Evaluator, node: ForStatement, scope: Scope): ForHeader {
  const initializer = node.getInitializer();
  const declarations = initializer && Node.isVariableDeclarationList(initializer) ? initializer.getDeclarations() : [];
  const declaration = declarations[0];
  if (declarations.length !== 1 || !Node.isIdentifier(declaration.getNameNode()) || !declaration.getInitializer()) {
    return ev.fail(frontendMessages.badLoop, { reason: "it must start with one counter, `let i = 0`" }, initializer ?? node);
  }
  const name = declaration.getName();
  const start = evalExpression(ev, declaration.getInitializerOrThrow(), scope);
  if (start.kind !== "number" || !Number.isInteger(start.value)) {
    return ev.fail(frontendMessages.badLoop, { reason: `the counter starts at ${describeValue(start)}, not a static integer` }, declaration);
  }
  const condition = node.getCondition();
  const operator = condition && Node.isBinaryExpression(condition) ? condition.getOperatorToken().getKind() : undefined;
  if (!condition || !Node.isBinaryExpression(condition) || condition.getLeft().getText() !== name
    || (operator !== SyntaxKind.LessThanToken && operator !== SyntaxKind.LessThanEqualsToken)) {
    return ev.fail(frontendMessages.badLoop, { reason: `its condition must be \`${name} < N\` or \`${name} <= N\`` }, condition ?? node);
  }
  const bound = evalExpression(ev, condition.getRight(), scope);
  if (bound.kind !== "number" || !Number.isInteger(bound.value)) {
    return ev.fail(frontendMessages.badLoop, { reason: `its bound \`${condition.getRight().getText()}\` is ${describeValue(bound)}, not a static integer` }, condition.getRight());
  }
  if (!isStep(node.getIncrementor(), name)) {
    return ev.fail(frontendMessages.badLoop, { reason: `it must step by one: \`${name}++\`` }, node.getIncrementor() ?? node);
  }
  const end = operator === SyntaxKind.LessThanEqualsToken ? bound.value + 1 : bound.value;
  return { name, declaration, start: start.value, count: Math.max(0, end - start.value) };
}
