/**
 * Dim sizes that the types do not keep: `dims({ capacity: Math.ceil((1.25 * 8) / 4) })`
 * has the type `Dims<{ ...; capacity: number }>`, so a program's layout type
 * cannot give its sizes. The front end then finds the `dims({...})` call
 * behind the layout (`layout(M, D, spec)`, through consts and imports) and
 * computes every entry with the static evaluator, as it computes model code.
 * An entry it cannot compute, or that is not a positive integer, is MT1601 at
 * that entry.
 */
import { Node, type Expression } from "ts-morph";
import { CompileError, diagnostic, type Diagnostic } from "../diagnostics/diagnostic.ts";
import { frontendMessages } from "../diagnostics/frontendMessages.ts";
import { ProgramBuilder } from "../ir/builder.ts";
import { classifyCallee, declarationOf, unalias } from "./dslSymbols.ts";
import { evalExpression, shortText } from "./evalExpression.ts";
import { Evaluator } from "./evaluator.ts";
import type { Locator } from "./location.ts";
import { Scope } from "./scope.ts";
import { describeValue } from "./staticValue.ts";

/** The expression a value comes from: through parentheses, `as`, and const declarations (also imported ones). */
function source(node: Node | undefined): Node | undefined {
  let current = node;
  for (let step = 0; step < 20 && current !== undefined; step++) {
    if (Node.isParenthesizedExpression(current) || Node.isAsExpression(current) || Node.isSatisfiesExpression(current)) {
      current = current.getExpression();
    } else if (Node.isIdentifier(current)) {
      current = declarationOf(current);
    } else if (Node.isVariableDeclaration(current)) {
      current = current.getInitializer();
    } else if (Node.isShorthandPropertyAssignment(current)) {
      current = unalias(current.getValueSymbol())?.getDeclarations()[0];
    } else if (Node.isPropertyAssignment(current)) {
      current = current.getInitializer();
    } else {
      return current;
    }
  }
  return current;
}

/** The `dims({...})` call of the layout given in a program's options, or undefined when the code does not show one. */
export function dimsCallOf(options: Node): Node | undefined {
  const layoutProperty = Node.isObjectLiteralExpression(options) ? options.getProperty("layout") : undefined;
  const layoutCall = source(layoutProperty);
  if (!layoutCall || !Node.isCallExpression(layoutCall) || classifyCallee(layoutCall.getExpression())?.kind !== "layout") return undefined;
  const dimsCall = source(layoutCall.getArguments()[1]);
  if (!dimsCall || !Node.isCallExpression(dimsCall) || classifyCallee(dimsCall.getExpression())?.kind !== "dims") return undefined;
  return dimsCall;
}

/**
 * The sizes of the `dims({...})` call `call`, each entry computed by the
 * static evaluator; a CompileError with one MT1601 per entry it cannot
 * compute (at the entry), all of them.
 */
export function computeDimsCall(call: Node, locator: Locator): Record<string, number> {
  const argument = Node.isCallExpression(call) ? call.getArguments()[0] : undefined;
  const object = source(argument);
  if (!object || !Node.isObjectLiteralExpression(object)) {
    throw new CompileError([diagnostic(frontendMessages.dimSizeNotStatic, { name: "(all)", text: shortText(argument ?? call), reason: "the sizes are not an object literal" }, locator.of(argument ?? call))]);
  }
  const ev = new Evaluator({ builder: new ProgramBuilder({ name: "dims", mesh: [], layoutSpec: "" }), locator, mesh: [], sizes: {} });
  const sizes: Record<string, number> = {};
  const problems: Diagnostic[] = [];
  for (const property of object.getProperties()) {
    const name = Node.isPropertyAssignment(property) || Node.isShorthandPropertyAssignment(property) ? property.getName() : undefined;
    const value: Expression | undefined = Node.isPropertyAssignment(property) ? property.getInitializer() : undefined;
    const at = locator.of(property);
    if (name === undefined || value === undefined) {
      const text = shortText(property);
      problems.push(diagnostic(frontendMessages.dimSizeNotStatic, { name: name ?? text, text, reason: "write each entry as `name: size`" }, at));
      continue;
    }
    try {
      const result = evalExpression(ev, value, new Scope());
      if (result.kind !== "number") {
        problems.push(diagnostic(frontendMessages.dimSizeNotStatic, { name, text: shortText(value), reason: `it is ${describeValue(result)}` }, at));
      } else if (!Number.isInteger(result.value) || result.value < 1) {
        problems.push(diagnostic(frontendMessages.dimSizeNotStatic, { name, text: shortText(value), reason: `it is ${result.value}, not a positive integer` }, at));
      } else {
        sizes[name] = result.value;
      }
    } catch (error) {
      if (!(error instanceof CompileError)) throw error;
      const reason = error.diagnostics.map((item) => `${item.code} ${item.message}`).join(" ");
      problems.push(diagnostic(frontendMessages.dimSizeNotStatic, { name, text: shortText(value), reason }, at));
    }
  }
  if (problems.length > 0) throw new CompileError(problems);
  return sizes;
}
