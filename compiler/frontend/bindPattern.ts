/**
 * Binding names to values: plain identifiers and destructuring patterns
 * (`const { w_in, w_out } = params`, `const [a, b] = pair`, with defaults and
 * rest elements), as in variable declarations and function parameters.
 */
import { Node, type BindingName } from "ts-morph";
import { frontendMessages } from "../diagnostics/frontendMessages.ts";
import { evalExpression } from "./evalExpression.ts";
import type { Evaluator } from "./evaluator.ts";
import type { Scope } from "./scope.ts";
import { describeValue, undefinedValue, type StaticValue } from "./staticValue.ts";

/** Declare the names of `name` in `scope`, taking their values from `value`. */
export function bindName(ev: Evaluator, name: BindingName, value: StaticValue, scope: Scope, mutable: boolean): void {
  if (Node.isIdentifier(name)) {
    scope.declare(name.getText(), value, mutable);
    return;
  }
  if (Node.isObjectBindingPattern(name)) {
    if (value.kind !== "object") {
      return ev.fail(frontendMessages.unsupportedExpression, { kind: `destructuring of ${describeValue(value)}`, text: name.getText() }, name);
    }
    const used = new Set<string>();
    for (const element of name.getElements()) {
      if (element.getDotDotDotToken()) {
        const rest = new Map([...value.fields].filter(([field]) => !used.has(field)));
        bindName(ev, element.getNameNode(), { kind: "object", fields: rest }, scope, mutable);
        continue;
      }
      const key = element.getPropertyNameNode()?.getText() ?? element.getName();
      used.add(key);
      const field = withDefault(ev, value.fields.get(key) ?? undefinedValue, element.getInitializer(), scope);
      bindName(ev, element.getNameNode(), field, scope, mutable);
    }
    return;
  }
  if (value.kind !== "array") {
    return ev.fail(frontendMessages.unsupportedExpression, { kind: `destructuring of ${describeValue(value)}`, text: name.getText() }, name);
  }
  name.getElements().forEach((element, index) => {
    if (Node.isOmittedExpression(element)) return;
    if (element.getDotDotDotToken()) {
      bindName(ev, element.getNameNode(), { kind: "array", items: value.items.slice(index) }, scope, mutable);
      return;
    }
    const item = withDefault(ev, value.items[index] ?? undefinedValue, element.getInitializer(), scope);
    bindName(ev, element.getNameNode(), item, scope, mutable);
  });
}

/** `value`, or the default initializer's value when `value` is undefined. */
export function withDefault(ev: Evaluator, value: StaticValue, initializer: Node | undefined, scope: Scope): StaticValue {
  if (value.kind !== "undefined" || initializer === undefined || !Node.isExpression(initializer)) return value;
  return evalExpression(ev, initializer, scope);
}
