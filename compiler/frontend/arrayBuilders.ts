/**
 * Arrays of numbers built at compile time, as the data of a constant tensor
 * (`tensor(D, "seq half", data)`) is written: `new Float32Array(n)`,
 * `new Float32Array([...])`, `Float32Array.from(src, fn?)`,
 * `Array.from({ length: n }, (_, i) => ...)`, `Float32Array.of(...)`, and the
 * `map`/`fill` methods of such an array. Each gives a static array of
 * numbers (`Float64Array` and `Array` alike: the constant's element type is
 * float32 when the tensor is made). A function argument is inlined per item,
 * as any call in model code.
 */
import { Node, type CallExpression, type NewExpression } from "ts-morph";
import { frontendMessages } from "../diagnostics/frontendMessages.ts";
import { shortText } from "./evalExpression.ts";
import type { Evaluator } from "./evaluator.ts";
import { callFunction } from "./functions.ts";
import { describeValue, num, undefinedValue, type StaticValue } from "./staticValue.ts";

/** The constructors whose arrays the evaluator builds. */
const arrayConstructors: ReadonlySet<string> = new Set(["Array", "Float32Array", "Float64Array"]);

/** The most items one built array may have (a larger table is better made with DSL ops: iota, sin, cos, ...). */
export const maxBuiltItems = 1 << 22;

/** Whether `node` names one of the built-in array constructors (declared by the standard library, not by the user). */
export function isArrayConstructor(node: Node): boolean {
  if (!Node.isIdentifier(node) || !arrayConstructors.has(node.getText())) return false;
  const declarations = node.getSymbol()?.getDeclarations() ?? [];
  return declarations.length > 0 && declarations.every((declaration) => declaration.getSourceFile().isDeclarationFile());
}

/** The interfaces whose `map` and `fill` the evaluator runs on static arrays. */
const arrayInterfaces: ReadonlySet<string> = new Set(["Array", "ReadonlyArray", "Float32Array", "Float64Array"]);

/** Whether `declaration` is a method of the standard library's arrays (`data.map`, `data.fill`). */
export function isArrayMethod(declaration: Node | undefined): boolean {
  if (declaration === undefined || !declaration.getSourceFile().isDeclarationFile()) return false;
  const owner = declaration.getParent();
  return owner !== undefined && Node.isInterfaceDeclaration(owner) && arrayInterfaces.has(owner.getName());
}

function fail(ev: Evaluator, node: Node, got: string): never {
  return ev.fail(frontendMessages.notStatic, { what: "array", text: shortText(node), got }, node);
}

function itemCount(ev: Evaluator, length: number, node: Node): number {
  if (!Number.isInteger(length) || length < 0 || length > maxBuiltItems) {
    return fail(ev, node, `a length of ${length} (a whole number from 0 to ${maxBuiltItems} is needed)`);
  }
  return length;
}

function zeros(count: number): StaticValue {
  return { kind: "array", items: Array.from({ length: count }, () => num(0)) };
}

/** `new Float32Array(n)`, `new Float32Array(array)`, `new Array(n)` (holes read as 0 here, as a Float32Array made from it reads NaN: so only typed arrays take a length). */
export function newArray(ev: Evaluator, node: NewExpression, args: readonly StaticValue[]): StaticValue {
  const kind = node.getExpression().getText();
  const [first] = args;
  if (first === undefined) return zeros(0);
  if (first.kind === "number" && kind !== "Array") return zeros(itemCount(ev, first.value, node));
  if (first.kind === "array" && kind !== "Array") return numbersOf(ev, first, node);
  if (kind === "Array" && first.kind !== "number") return { kind: "array", items: args };
  return fail(ev, node, `new ${kind}(${describeValue(first)})`);
}

/** The items of `value` when they are all numbers (typed arrays hold nothing else). */
function numbersOf(ev: Evaluator, value: Extract<StaticValue, { kind: "array" }>, node: Node): StaticValue {
  const bad = value.items.find((item) => item.kind !== "number");
  if (bad) return fail(ev, node, `an array holding ${describeValue(bad)}`);
  return value;
}

/** The items a `from` source gives: an array's, or `{ length: n }`'s n undefineds. */
function sourceItems(ev: Evaluator, source: StaticValue | undefined, node: Node): readonly StaticValue[] {
  if (source?.kind === "array") return source.items;
  if (source?.kind === "object") {
    const length = source.fields.get("length");
    if (length?.kind === "number") return Array.from({ length: itemCount(ev, length.value, node) }, () => undefinedValue);
  }
  return fail(ev, node, source ? describeValue(source) : "no source");
}

function mapItems(ev: Evaluator, items: readonly StaticValue[], fn: StaticValue, call: CallExpression): StaticValue[] {
  if (fn.kind !== "function") return fail(ev, call, `a map function that is ${describeValue(fn)}`);
  return items.map((item, index) => callFunction(ev, fn, [item, num(index)], call));
}

/** `Float32Array.from(src, fn?)`, `Array.from(...)`, `X.of(...)`; undefined for another static method. */
export function callArrayStatic(ev: Evaluator, kind: string, name: string, args: readonly StaticValue[], call: CallExpression): StaticValue | undefined {
  const typed = kind !== "Array";
  const finish = (items: readonly StaticValue[]): StaticValue => {
    const array: Extract<StaticValue, { kind: "array" }> = { kind: "array", items };
    return typed ? numbersOf(ev, array, call) : array;
  };
  if (name === "of") return finish(args);
  if (name !== "from") return undefined;
  const items = sourceItems(ev, args[0], call);
  return finish(args[1] === undefined ? items.map((item) => (typed && item.kind === "undefined" ? num(Number.NaN) : item)) : mapItems(ev, items, args[1], call));
}

/** `array.map(fn)`, `array.fill(value)`; undefined for another method (the caller reports it). */
export function callArrayMethod(
  ev: Evaluator, array: Extract<StaticValue, { kind: "array" }>, name: string, args: readonly StaticValue[], call: CallExpression,
): StaticValue | undefined {
  if (name === "map" && args[0] !== undefined) return { kind: "array", items: mapItems(ev, array.items, args[0], call) };
  if (name === "fill" && args.length === 1 && args[0].kind === "number") return { kind: "array", items: array.items.map(() => args[0]) };
  return undefined;
}
