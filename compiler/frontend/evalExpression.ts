/**
 * Expressions of model code, evaluated to static values: literals, template
 * literals, identifiers, object and array literals, field and index reads,
 * arithmetic on static values, `?:`, function expressions and calls.
 */
import { Node, SyntaxKind, type Expression } from "ts-morph";
import { frontendMessages } from "../diagnostics/frontendMessages.ts";
import { isArrayConstructor, newArray } from "./arrayBuilders.ts";
import { evalArgs, evalCall } from "./evalCall.ts";
import { LengthNeeded, type Evaluator } from "./evaluator.ts";
import { evalAssignment } from "./evalAssignment.ts";
import { functionValue } from "./functions.ts";
import { readIdentifier } from "./resolveIdentifier.ts";
import type { Scope } from "./scope.ts";
import { binaryOperation, readField, unaryOperation } from "./staticOps.ts";
import { bool, describeValue, num, str, truthy, undefinedValue, type StaticValue } from "./staticValue.ts";

const assignmentOperators = new Set<SyntaxKind>([
  SyntaxKind.EqualsToken, SyntaxKind.PlusEqualsToken, SyntaxKind.MinusEqualsToken, SyntaxKind.AsteriskEqualsToken,
  SyntaxKind.SlashEqualsToken, SyntaxKind.PercentEqualsToken, SyntaxKind.AsteriskAsteriskEqualsToken,
]);

/** Evaluate `node` in `scope`. Unsupported syntax is a diagnostic at the node. */
export function evalExpression(ev: Evaluator, node: Expression, scope: Scope): StaticValue {
  if (Node.isParenthesizedExpression(node) || Node.isAsExpression(node) || Node.isNonNullExpression(node)
    || Node.isSatisfiesExpression(node) || Node.isTypeAssertion(node)) {
    return evalExpression(ev, node.getExpression(), scope);
  }
  // Not getLiteralValue(): ts-morph parses the normalised text "1e-7" with parseInt, giving 1.
  if (Node.isNumericLiteral(node)) return num(Number(node.compilerNode.text));
  if (Node.isStringLiteral(node) || Node.isNoSubstitutionTemplateLiteral(node)) return str(node.getLiteralValue());
  if (Node.isTrueLiteral(node) || Node.isFalseLiteral(node)) return bool(node.getLiteralValue());
  if (Node.isTemplateExpression(node)) return evalTemplate(ev, node, scope);
  if (Node.isIdentifier(node)) return readIdentifier(ev, node, scope);
  if (Node.isObjectLiteralExpression(node)) return evalObject(ev, node, scope);
  if (Node.isArrayLiteralExpression(node)) return evalArray(ev, node, scope);
  if (Node.isPropertyAccessExpression(node)) {
    const target = evalExpression(ev, node.getExpression(), scope);
    if (target.kind === "undefined" && node.hasQuestionDotToken()) return undefinedValue;
    return readField(ev, target, node.getName(), node);
  }
  if (Node.isElementAccessExpression(node)) return evalElementAccess(ev, node, scope);
  if (Node.isCallExpression(node)) return evalCall(ev, node, scope);
  if (Node.isNewExpression(node) && isArrayConstructor(node.getExpression())) return newArray(ev, node, evalArgs(ev, node, scope));
  if (Node.isArrowFunction(node) || Node.isFunctionExpression(node)) return functionValue(ev, node, scope, "(anonymous)");
  if (Node.isConditionalExpression(node)) {
    const condition = staticCondition(ev, node.getCondition(), scope);
    return evalExpression(ev, condition ? node.getWhenTrue() : node.getWhenFalse(), scope);
  }
  if (Node.isBinaryExpression(node)) {
    const operator = node.getOperatorToken().getKind();
    if (assignmentOperators.has(operator)) return evalAssignment(ev, node, scope);
    if (operator === SyntaxKind.AmpersandAmpersandToken || operator === SyntaxKind.BarBarToken || operator === SyntaxKind.QuestionQuestionToken) {
      return evalLogical(ev, node.getLeft(), node.getRight(), operator, scope);
    }
    const left = evalExpression(ev, node.getLeft(), scope);
    const right = evalExpression(ev, node.getRight(), scope);
    return binaryOperation(ev, operator, left, right, node);
  }
  if (Node.isPrefixUnaryExpression(node) || Node.isPostfixUnaryExpression(node)) {
    const operator = node.getOperatorToken();
    if (operator === SyntaxKind.PlusPlusToken || operator === SyntaxKind.MinusMinusToken) return evalAssignment(ev, node, scope);
    return unaryOperation(ev, operator, evalExpression(ev, node.getOperand(), scope), node);
  }
  if (Node.isTypeOfExpression(node)) return ev.fail(frontendMessages.unsupportedExpression, { kind: "typeof", text: node.getText() }, node);
  return ev.fail(frontendMessages.unsupportedExpression, { kind: describeSyntax(node), text: shortText(node) }, node);
}

/** Evaluate a condition that must be static (if, ?:, loops); its truthiness. */
export function staticCondition(ev: Evaluator, node: Expression, scope: Scope): boolean {
  const value = evalExpression(ev, node, scope);
  const result = truthy(value);
  if (result === undefined || value.kind === "tensor") {
    return ev.fail(frontendMessages.notStatic, { what: "condition", text: shortText(node), got: describeValue(value) }, node);
  }
  return result;
}

function evalLogical(ev: Evaluator, leftNode: Expression, rightNode: Expression, operator: SyntaxKind, scope: Scope): StaticValue {
  const left = evalExpression(ev, leftNode, scope);
  if (operator === SyntaxKind.QuestionQuestionToken) return left.kind === "undefined" ? evalExpression(ev, rightNode, scope) : left;
  const leftTruth = truthy(left);
  if (leftTruth === undefined || left.kind === "tensor") {
    return ev.fail(frontendMessages.notStatic, { what: "condition", text: shortText(leftNode), got: describeValue(left) }, leftNode);
  }
  if (operator === SyntaxKind.AmpersandAmpersandToken) return leftTruth ? evalExpression(ev, rightNode, scope) : left;
  return leftTruth ? left : evalExpression(ev, rightNode, scope);
}

function evalTemplate(ev: Evaluator, node: Node & { getHead(): Node; getTemplateSpans(): Node[] }, scope: Scope): StaticValue {
  let text = literalText(node.getHead());
  for (const span of node.getTemplateSpans()) {
    if (!Node.isTemplateSpan(span)) continue;
    const value = evalExpression(ev, span.getExpression(), scope);
    if (value.kind !== "string" && value.kind !== "number" && value.kind !== "boolean") {
      return ev.fail(frontendMessages.notStatic, { what: "template part", text: span.getExpression().getText(), got: describeValue(value) }, span.getExpression());
    }
    text += String(value.value) + literalText(span.getLiteral());
  }
  return str(text);
}

function literalText(node: Node): string {
  if (Node.isTemplateHead(node) || Node.isTemplateMiddle(node) || Node.isTemplateTail(node)) return node.getLiteralText();
  return "";
}

function evalObject(ev: Evaluator, node: Node & { getProperties(): Node[] }, scope: Scope): StaticValue {
  const fields = new Map<string, StaticValue>();
  for (const property of node.getProperties()) {
    if (Node.isPropertyAssignment(property)) {
      fields.set(propertyName(ev, property.getNameNode(), scope), evalExpression(ev, property.getInitializerOrThrow(), scope));
    } else if (Node.isShorthandPropertyAssignment(property)) {
      fields.set(property.getName(), readIdentifier(ev, property.getNameNode(), scope));
    } else if (Node.isSpreadAssignment(property)) {
      const spread = evalExpression(ev, property.getExpression(), scope);
      if (spread.kind !== "object") {
        return ev.fail(frontendMessages.unsupportedExpression, { kind: `spread of ${describeValue(spread)}`, text: property.getText() }, property);
      }
      for (const [name, value] of spread.fields) fields.set(name, value);
    } else if (Node.isMethodDeclaration(property)) {
      fields.set(property.getName(), functionValue(ev, property, scope, property.getName()));
    } else {
      return ev.fail(frontendMessages.unsupportedExpression, { kind: "object member", text: shortText(property) }, property);
    }
  }
  return { kind: "object", fields };
}

function propertyName(ev: Evaluator, name: Node, scope: Scope): string {
  if (Node.isIdentifier(name) || Node.isPrivateIdentifier(name)) return name.getText();
  if (Node.isStringLiteral(name) || Node.isNumericLiteral(name) || Node.isNoSubstitutionTemplateLiteral(name)) return String(name.getLiteralValue());
  if (Node.isComputedPropertyName(name)) {
    const key = evalExpression(ev, name.getExpression(), scope);
    if (key.kind === "string" || key.kind === "number") return String(key.value);
    return ev.fail(frontendMessages.notStatic, { what: "field name", text: name.getText(), got: describeValue(key) }, name);
  }
  return ev.fail(frontendMessages.unsupportedExpression, { kind: "field name", text: name.getText() }, name);
}

function evalArray(ev: Evaluator, node: Node & { getElements(): Expression[] }, scope: Scope): StaticValue {
  const items: StaticValue[] = [];
  for (const element of node.getElements()) {
    if (Node.isSpreadElement(element)) {
      const spread = evalExpression(ev, element.getExpression(), scope);
      if (spread.kind !== "array") {
        return ev.fail(frontendMessages.unsupportedExpression, { kind: `spread of ${describeValue(spread)}`, text: element.getText() }, element);
      }
      items.push(...spread.items);
    } else if (Node.isOmittedExpression(element)) {
      items.push(undefinedValue);
    } else {
      items.push(evalExpression(ev, element, scope));
    }
  }
  return { kind: "array", items };
}

function evalElementAccess(ev: Evaluator, node: Node & { getExpression(): Expression; getArgumentExpressionOrThrow(): Expression }, scope: Scope): StaticValue {
  for (let depth = ev.loops.length - 1; depth >= 0; depth--) {
    const prepared = ev.loops[depth].indexed.get(node);
    if (prepared) return prepared;
  }
  const target = evalExpression(ev, node.getExpression(), scope);
  const index = evalExpression(ev, node.getArgumentExpressionOrThrow(), scope);
  if (index.kind === "loopIndex") {
    return ev.fail(frontendMessages.loopIndexed, {
      name: node.getExpression().getText(),
      reason: `the loop index ${index.loop.name} can only index an array written in the loop body itself, declared before the loop`,
    }, node);
  }
  if (index.kind === "string") return readField(ev, target, index.value, node);
  if (target.kind === "lazyArray" && index.kind === "number" && Number.isInteger(index.value) && index.value >= 0) {
    throw new LengthNeeded(target.path, index.value + 1, ev.loc(node));
  }
  if (index.kind !== "number") {
    return ev.fail(frontendMessages.notStatic, { what: "index", text: node.getArgumentExpressionOrThrow().getText(), got: describeValue(index) }, node);
  }
  if (target.kind === "array" || target.kind === "string") {
    const length = target.kind === "array" ? target.items.length : target.value.length;
    if (!Number.isInteger(index.value) || index.value < 0 || index.value >= length) {
      return ev.fail(frontendMessages.indexOutOfRange, { text: shortText(node), index: String(index.value), length }, node);
    }
    return target.kind === "array" ? target.items[index.value] : str(target.value[index.value]);
  }
  return readField(ev, target, String(index.value), node);
}

/** The node's text, shortened for messages. */
export function shortText(node: Node): string {
  const text = node.getText().replace(/\s+/g, " ");
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function describeSyntax(node: Node): string {
  return node.getKindName().replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
}
