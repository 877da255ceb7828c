/**
 * Statements of model code: declarations, expression statements, blocks,
 * `if` on a static condition, `return`, and loops (see evalLoop.ts). A block
 * runs until it returns; nested function declarations are hoisted.
 */
import { Node, VariableDeclarationKind, type Block, type Statement } from "ts-morph";
import { frontendMessages } from "../diagnostics/frontendMessages.ts";
import { bindName } from "./bindPattern.ts";
import { evalExpression, staticCondition } from "./evalExpression.ts";
import { evalForOf, evalForStatement } from "./evalLoop.ts";
import type { Evaluator } from "./evaluator.ts";
import { functionValue } from "./functions.ts";
import type { Scope } from "./scope.ts";
import { undefinedValue, type StaticValue } from "./staticValue.ts";

/** How a statement ended: normally, or by `return` (with the statement, for messages). */
export type Completion = undefined | { readonly value: StaticValue; readonly statement: Node };

/** Run a function body; the value it returns (undefined when it falls off the end). */
export function runFunctionBody(ev: Evaluator, body: Block, scope: Scope): StaticValue {
  return runStatements(ev, body.getStatements(), scope)?.value ?? undefinedValue;
}

/** Run statements in `scope` (function declarations first, as JavaScript hoists them). */
export function runStatements(ev: Evaluator, statements: readonly Statement[], scope: Scope): Completion {
  for (const statement of statements) {
    if (Node.isFunctionDeclaration(statement) && statement.getName()) {
      scope.declare(statement.getName() ?? "", functionValue(ev, statement, scope, statement.getName() ?? ""), false);
    }
  }
  for (const statement of statements) {
    const completion = runStatement(ev, statement, scope);
    if (completion) return completion;
  }
  return undefined;
}

/** Run one statement. */
export function runStatement(ev: Evaluator, statement: Statement, scope: Scope): Completion {
  if (Node.isVariableStatement(statement)) {
    const mutable = statement.getDeclarationKind() !== VariableDeclarationKind.Const;
    for (const declaration of statement.getDeclarations()) {
      const initializer = declaration.getInitializer();
      const nameNode = declaration.getNameNode();
      if (initializer && Node.isIdentifier(nameNode)) nameCall(ev, initializer, nameNode.getText());
      const value = initializer ? evalExpression(ev, initializer, scope) : undefinedValue;
      bindName(ev, nameNode, value, scope, mutable);
    }
    return undefined;
  }
  if (Node.isExpressionStatement(statement)) {
    evalExpression(ev, statement.getExpression(), scope);
    return undefined;
  }
  if (Node.isReturnStatement(statement)) {
    const expression = statement.getExpression();
    return { value: expression ? evalExpression(ev, expression, scope) : undefinedValue, statement };
  }
  if (Node.isBlock(statement)) return runStatements(ev, statement.getStatements(), scope.child());
  if (Node.isIfStatement(statement)) {
    const branch = staticCondition(ev, statement.getExpression(), scope) ? statement.getThenStatement() : statement.getElseStatement();
    return branch ? runStatements(ev, [branch], scope.child()) : undefined;
  }
  if (Node.isForStatement(statement)) return evalForStatement(ev, statement, scope);
  if (Node.isForOfStatement(statement)) return evalForOf(ev, statement, scope);
  if (Node.isFunctionDeclaration(statement) || Node.isEmptyStatement(statement)
    || Node.isTypeAliasDeclaration(statement) || Node.isInterfaceDeclaration(statement)) {
    return undefined;
  }
  return ev.fail(frontendMessages.unsupportedStatement, { kind: statementKind(statement) }, statement);
}

/** Give the op call that initialises a variable the variable's name (for printing). */
function nameCall(ev: Evaluator, initializer: Node, name: string): void {
  let current = initializer;
  while (Node.isParenthesizedExpression(current) || Node.isAsExpression(current) || Node.isNonNullExpression(current)) {
    current = current.getExpression();
  }
  if (Node.isCallExpression(current)) ev.hints.set(current, name);
}

function statementKind(statement: Statement): string {
  if (Node.isWhileStatement(statement)) return "`while` loop";
  if (Node.isDoStatement(statement)) return "`do` loop";
  if (Node.isForInStatement(statement)) return "`for...in` loop";
  if (Node.isSwitchStatement(statement)) return "`switch` statement";
  if (Node.isTryStatement(statement)) return "`try` statement";
  if (Node.isThrowStatement(statement)) return "`throw` statement";
  if (Node.isBreakStatement(statement) || Node.isContinueStatement(statement)) return "`break`/`continue` statement";
  if (Node.isClassDeclaration(statement)) return "class declaration";
  return statement.getKindName().replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
}
