/**
 * Reading static values out of types: `Mesh<Axes>`, `Dims<Sizes>` and
 * `Layout<Axes, Sizes, Spec>` keep their literal names and sizes in their type
 * arguments, so the checker gives them back wherever the value came from
 * (another file, an alias, a re-export).
 */
import { Node, type Type } from "ts-morph";

/** The type of property `name` of `type`, seen from `node`, or undefined. */
export function propertyType(type: Type, name: string, node: Node): Type | undefined {
  return type.getProperty(name)?.getTypeAtLocation(node);
}

/** An option's type and the property that writes it (when the options are an object literal that has it). */
export interface OptionType {
  readonly type: Type | undefined;
  readonly property: Node | undefined;
}

/**
 * The type of option `name` of `options` (the object of a `program(model, options)`
 * call, or of a nested option such as `pipeline: {...}`). In an object literal of
 * plain properties, each property's type is its value's: asking for the literal's
 * own type would resolve the whole call it is an argument of, checking the model
 * against `program`'s type-level validation (most of a build's type-checker time
 * when the build does not type-check). Anything else (a variable, spreads) is
 * read from the options' type.
 */
export function optionType(options: Node, name: string): OptionType {
  if (Node.isObjectLiteralExpression(options)) {
    const property = options.getProperty(name);
    if (Node.isPropertyAssignment(property)) return { type: property.getInitializerOrThrow().getType(), property };
    if (Node.isShorthandPropertyAssignment(property)) {
      const value = options.getProject().getTypeChecker().getShorthandAssignmentValueSymbol(property);
      if (value !== undefined) return { type: value.getTypeAtLocation(property), property };
    }
    const plain = options.getProperties().every((item) => Node.isPropertyAssignment(item) || Node.isShorthandPropertyAssignment(item));
    if (property === undefined && plain) return { type: undefined, property };
    return { type: propertyType(options.getType(), name, options), property };
  }
  return { type: propertyType(options.getType(), name, options), property: undefined };
}

/** The value of a string literal type, or undefined. */
export function literalString(type: Type | undefined): string | undefined {
  if (type === undefined || !type.isStringLiteral()) return undefined;
  const value = type.getLiteralValue();
  return typeof value === "string" ? value : undefined;
}

/** The value of a number literal type, or undefined. */
export function literalNumber(type: Type | undefined): number | undefined {
  if (type === undefined || !type.isNumberLiteral()) return undefined;
  const value = type.getLiteralValue();
  return typeof value === "number" ? value : undefined;
}

/**
 * `{ readonly data: 4; readonly model: 2 }` -> `{ data: 4, model: 2 }` in
 * declaration order, or undefined when a size is not a number literal.
 */
export function literalSizes(type: Type | undefined, node: Node): Record<string, number> | undefined {
  if (type === undefined || !type.isObject()) return undefined;
  const sizes: Record<string, number> = {};
  for (const property of type.getProperties()) {
    const size = literalNumber(property.getTypeAtLocation(node));
    if (size === undefined) return undefined;
    sizes[property.getName()] = size;
  }
  return sizes;
}

/** The sizes of a `Mesh<Axes>` or `Dims<Sizes>` type (its `sizes` field), or undefined. */
export function sizesOf(type: Type | undefined, node: Node): Record<string, number> | undefined {
  if (type === undefined) return undefined;
  return literalSizes(propertyType(type, "sizes", node), node);
}

/** What a `Layout<Axes, Sizes, Spec>` type says, or undefined for the parts that are not literal. */
export interface LayoutType {
  readonly spec: string | undefined;
  readonly axes: Record<string, number> | undefined;
  readonly sizes: Record<string, number> | undefined;
}

/** Read a `Layout` type's spec, mesh axes and dim sizes. */
export function readLayoutType(type: Type, node: Node): LayoutType {
  return {
    spec: literalString(propertyType(type, "spec", node)),
    axes: sizesOf(propertyType(type, "mesh", node), node),
    sizes: sizesOf(propertyType(type, "dims", node), node),
  };
}
