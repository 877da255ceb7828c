/**
 * Reassignments of local `let` variables: `x = e`, `x op= e`, `x++`, `x--`.
 * Fields of objects cannot be assigned (build a new object instead).
 */
import { Node, SyntaxKind, type BinaryExpression, type PostfixUnaryExpression, type PrefixUnaryExpression } from "ts-morph";
import { frontendMessages } from "../diagnostics/frontendMessages.ts";
import { evalExpression } from "./evalExpression.ts";
import type { Evaluator } from "./evaluator.ts";
import type { Scope } from "./scope.ts";
import { binaryOperation } from "./staticOps.ts";
import { num, type StaticValue } from "./staticValue.ts";

const compound: Partial<Record<SyntaxKind, SyntaxKind>> = {
  [SyntaxKind.PlusEqualsToken]: SyntaxKind.PlusToken,
  [SyntaxKind.MinusEqualsToken]: SyntaxKind.MinusToken,
  [SyntaxKind.AsteriskEqualsToken]: SyntaxKind.AsteriskToken,
  [SyntaxKind.SlashEqualsToken]: SyntaxKind.SlashToken,
  [SyntaxKind.PercentEqualsToken]: SyntaxKind.PercentToken,
  [SyntaxKind.AsteriskAsteriskEqualsToken]: SyntaxKind.AsteriskAsteriskToken,
};

/** Unwrap parentheses and a call's type assertions down to the node that names what is assigned. */
function unwrap(node: Node): Node {
  let current = node;
  while (Node.isParenthesizedExpression(current) || Node.isAsExpression(current) || Node.isNonNullExpression(current)) {
    current = current.getExpression();
  }
  return current;
}

/** Evaluate an assignment or ++/--; the expression's value. */
export function evalAssignment(ev: Evaluator, node: BinaryExpression | PrefixUnaryExpression | PostfixUnaryExpression, scope: Scope): StaticValue {
  const targetNode = unwrap(Node.isBinaryExpression(node) ? node.getLeft() : node.getOperand());
  if (!Node.isIdentifier(targetNode)) {
    return ev.fail(frontendMessages.badAssignment, { text: node.getText(), reason: "only local variables can be assigned in model code" }, node);
  }
  const name = targetNode.getText();
  const binding = scope.lookup(name);
  if (binding === undefined) {
    return ev.fail(frontendMessages.badAssignment, { text: node.getText(), reason: `\`${name}\` is not a local variable of the model code` }, node);
  }
  if (!binding.mutable) {
    return ev.fail(frontendMessages.badAssignment, { text: node.getText(), reason: `\`${name}\` is a const` }, node);
  }
  if (Node.isBinaryExpression(node)) {
    const operator = node.getOperatorToken().getKind();
    const right = node.getRight();
    const unwrapped = unwrap(right);
    if (Node.isCallExpression(unwrapped)) ev.hints.set(unwrapped, name);
    const value = evalExpression(ev, right, scope);
    const arithmetic = compound[operator];
    binding.value = arithmetic === undefined ? value : binaryOperation(ev, arithmetic, binding.value, value, node);
    return binding.value;
  }
  const old = binding.value;
  const step = node.getOperatorToken() === SyntaxKind.PlusPlusToken ? SyntaxKind.PlusToken : SyntaxKind.MinusToken;
  binding.value = binaryOperation(ev, step, old, num(1), node);
  return Node.isPostfixUnaryExpression(node) ? old : binding.value;
}
