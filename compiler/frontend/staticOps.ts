/**
 * Operators over static values: arithmetic and comparison of numbers, string
 * concatenation, field reads of objects, arrays, dims, meshes and layouts, and
 * the `Math` functions on static numbers.
 */
import { Node, SyntaxKind } from "ts-morph";
import { frontendMessages } from "../diagnostics/frontendMessages.ts";
import type { Evaluator } from "./evaluator.ts";
import { bool, describeValue, num, str, truthy, type StaticValue } from "./staticValue.ts";

type Primitive = number | string | boolean | undefined;

function primitive(value: StaticValue): Primitive | null {
  switch (value.kind) {
    case "number":
    case "string":
    case "boolean":
      return value.value;
    case "undefined":
      return undefined;
    default:
      return null;
  }
}

function fromPrimitive(value: Primitive): StaticValue {
  if (typeof value === "number") return num(value);
  if (typeof value === "string") return str(value);
  if (typeof value === "boolean") return bool(value);
  return { kind: "undefined" };
}

const arithmetic: Partial<Record<SyntaxKind, (a: number, b: number) => number>> = {
  [SyntaxKind.MinusToken]: (a, b) => a - b,
  [SyntaxKind.AsteriskToken]: (a, b) => a * b,
  [SyntaxKind.SlashToken]: (a, b) => a / b,
  [SyntaxKind.PercentToken]: (a, b) => a % b,
  [SyntaxKind.AsteriskAsteriskToken]: (a, b) => a ** b,
};

const comparisons: Partial<Record<SyntaxKind, (a: Primitive, b: Primitive) => boolean>> = {
  [SyntaxKind.EqualsEqualsEqualsToken]: (a, b) => a === b,
  [SyntaxKind.ExclamationEqualsEqualsToken]: (a, b) => a !== b,
  [SyntaxKind.EqualsEqualsToken]: (a, b) => a === b || (a === undefined && b === undefined),
  [SyntaxKind.ExclamationEqualsToken]: (a, b) => a !== b,
};

const orderings: Partial<Record<SyntaxKind, (a: number | string, b: number | string) => boolean>> = {
  [SyntaxKind.LessThanToken]: (a, b) => a < b,
  [SyntaxKind.LessThanEqualsToken]: (a, b) => a <= b,
  [SyntaxKind.GreaterThanToken]: (a, b) => a > b,
  [SyntaxKind.GreaterThanEqualsToken]: (a, b) => a >= b,
};

function notStatic(ev: Evaluator, value: StaticValue, node: Node): never {
  if (value.kind === "loopIndex") {
    return ev.fail(frontendMessages.badLoop, {
      reason: `the loop index ${value.loop.name} is only known at run time, so it can only index arrays of tensors (\`layers[${value.loop.name}]\`)`,
    }, node);
  }
  return ev.fail(frontendMessages.notStatic, { what: "operand", text: node.getText(), got: describeValue(value) }, node);
}

/** `left op right` for static numbers, strings and booleans. */
export function binaryOperation(ev: Evaluator, operator: SyntaxKind, left: StaticValue, right: StaticValue, node: Node): StaticValue {
  const a = primitive(left);
  const b = primitive(right);
  // A tensor, an object or a function compared with undefined (`options.bias !== undefined`): known at compile time.
  const equality = operator === SyntaxKind.EqualsEqualsEqualsToken || operator === SyntaxKind.EqualsEqualsToken;
  if (equality || operator === SyntaxKind.ExclamationEqualsEqualsToken || operator === SyntaxKind.ExclamationEqualsToken) {
    if ((a === null && b === undefined) || (b === null && a === undefined)) return bool(!equality);
  }
  if (a === null) return notStatic(ev, left, node);
  if (b === null) return notStatic(ev, right, node);
  if (operator === SyntaxKind.PlusToken) {
    if (typeof a === "number" && typeof b === "number") return num(a + b);
    if (typeof a === "string" || typeof b === "string") return str(String(a) + String(b));
  }
  const compare = comparisons[operator];
  if (compare) return bool(compare(a, b));
  const order = orderings[operator];
  if (order && ((typeof a === "number" && typeof b === "number") || (typeof a === "string" && typeof b === "string"))) return bool(order(a, b));
  const arith = arithmetic[operator];
  if (arith && typeof a === "number" && typeof b === "number") return num(arith(a, b));
  return ev.fail(frontendMessages.unsupportedExpression, { kind: "operator on these values", text: node.getText() }, node);
}

/** `-x`, `+x`, `!x` for static values. */
export function unaryOperation(ev: Evaluator, operator: SyntaxKind, operand: StaticValue, node: Node): StaticValue {
  if (operator === SyntaxKind.ExclamationToken) {
    const value = truthy(operand);
    if (value === undefined || operand.kind === "tensor") return notStatic(ev, operand, node);
    return bool(!value);
  }
  const value = primitive(operand);
  if (typeof value !== "number") return notStatic(ev, operand, node);
  if (operator === SyntaxKind.MinusToken) return num(-value);
  if (operator === SyntaxKind.PlusToken) return num(value);
  return ev.fail(frontendMessages.unsupportedExpression, { kind: "operator", text: node.getText() }, node);
}

function numbers(record: Readonly<Record<string, number>>): StaticValue {
  return { kind: "object", fields: new Map(Object.entries(record).map(([name, size]) => [name, num(size)])) };
}

function fieldsOf(value: StaticValue): ReadonlyMap<string, StaticValue> | undefined {
  switch (value.kind) {
    case "object":
      return value.fields;
    case "dims":
      return new Map([["sizes", numbers(value.sizes)]]);
    case "mesh": {
      const sizes = Object.fromEntries(value.axes.map((axis) => [axis.name, axis.size]));
      const devices = value.axes.reduce((product, axis) => product * axis.size, 1);
      return new Map([["sizes", numbers(sizes)], ["deviceCount", num(devices)]]);
    }
    case "layout":
      return new Map<string, StaticValue>([
        ["spec", str(value.spec)],
        ["mesh", { kind: "mesh", axes: value.mesh }],
        ["dims", { kind: "dims", sizes: value.sizes }],
      ]);
    case "math":
      return new Map(["PI", "E", "SQRT2", "LN2", "LN10"].map((name) => [name, num(Math[name as "PI"])]));
    default:
      return undefined;
  }
}

/** `target.name` (also `target["name"]`). */
export function readField(ev: Evaluator, target: StaticValue, name: string, node: Node): StaticValue {
  if (target.kind === "lazyArray") return ev.fail(frontendMessages.arrayLengthUnknown, { path: target.path, type: target.type }, node);
  if ((target.kind === "array" || target.kind === "string") && name === "length") {
    return num(target.kind === "array" ? target.items.length : target.value.length);
  }
  if (target.kind === "op" && name === "outer") return { kind: "op", name: `${target.name}.outer` };
  const fields = fieldsOf(target);
  const field = fields?.get(name);
  if (field) return field;
  if (target.kind === "tensor") {
    return ev.fail(frontendMessages.unknownProperty, { text: node.getText(), name, has: "no fields in model code: a tensor's dims come from its type" }, node);
  }
  if (!fields) {
    return ev.fail(frontendMessages.unknownProperty, { text: node.getText(), name, has: `nothing: it is ${describeValue(target)}` }, node);
  }
  // An optional property left out (`options.rope` of `{ seq, kvSeq }`) is undefined, as in JavaScript.
  if (target.kind === "object" && declaresProperty(node, name)) return { kind: "undefined" };
  return ev.fail(frontendMessages.unknownProperty, { text: node.getText(), name, has: [...fields.keys()].join(", ") || "no fields" }, node);
}

/** Whether the type of the object read at `node` (`o.name`, `o["name"]`) declares the property `name`. */
function declaresProperty(node: Node, name: string): boolean {
  if (!Node.isPropertyAccessExpression(node) && !Node.isElementAccessExpression(node)) return false;
  return node.getExpression().getType().getProperty(name) !== undefined;
}

const mathFunctions: Readonly<Record<string, (...args: number[]) => number>> = {
  sqrt: Math.sqrt, floor: Math.floor, ceil: Math.ceil, round: Math.round, trunc: Math.trunc, abs: Math.abs,
  exp: Math.exp, log: Math.log, log2: Math.log2, pow: Math.pow, max: Math.max, min: Math.min, sign: Math.sign,
  sin: Math.sin, cos: Math.cos, tan: Math.tan, atan: Math.atan, atan2: Math.atan2, tanh: Math.tanh, hypot: Math.hypot,
};

/** `Math.name(args)` on static numbers, or undefined when Math has no such function here. */
export function callMath(ev: Evaluator, name: string, args: readonly StaticValue[], node: Node): StaticValue | undefined {
  const fn = mathFunctions[name];
  if (!fn) return undefined;
  const values = args.map((arg) => (arg.kind === "number" ? arg.value : notStatic(ev, arg, node)));
  return num(fn(...values));
}
