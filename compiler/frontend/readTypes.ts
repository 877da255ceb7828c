/**
 * Reading static values out of types: `Mesh<Axes>`, `Dims<Sizes>` and
 * `Layout<Axes, Sizes, Spec>` keep their literal names and sizes in their type
 * arguments, so the checker gives them back wherever the value came from
 * (another file, an alias, a re-export).
 */
import type { Node, Type } from "ts-morph";

/** The type of property `name` of `type`, seen from `node`, or undefined. */
export function propertyType(type: Type, name: string, node: Node): Type | undefined {
  return type.getProperty(name)?.getTypeAtLocation(node);
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
