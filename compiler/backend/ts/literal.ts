/**
 * Writing plain data (the `<name>Meta` objects) as a readable TypeScript
 * literal: keys unquoted where they are identifiers, and every small object
 * (a dim, an axis state, a tensor leaf) on one line, so a reader sees one
 * tensor per line instead of one number per line.
 */

/** `name` as an object key: bare when it is an identifier, quoted otherwise. */
export function propertyKey(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : JSON.stringify(name);
}

/** Entries of a plain object, without the undefined ones (they are not written). */
function definedEntries(value: object): [string, unknown][] {
  return Object.entries(value).filter(([, item]) => item !== undefined);
}

function inline(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(inline).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    const entries = definedEntries(value);
    return entries.length === 0 ? "{}" : `{ ${entries.map(([key, item]) => `${propertyKey(key)}: ${inline(item)}`).join(", ")} }`;
  }
  return JSON.stringify(value);
}

/** Objects whose one-line form is at most this long stay on one line. */
const lineBudget = 100;

/**
 * `value` (plain data: JSON values and objects of them) as a TypeScript literal, indented by `indent` spaces after the first
 * line. Objects and arrays that fit in the line budget, and every tensor leaf
 * (`kind: "tensor"`), are written on one line.
 */
export function writeLiteral(value: unknown, indent = 0): string {
  const flat = inline(value);
  const isLeaf = value !== null && typeof value === "object" && !Array.isArray(value) && (value as { kind?: unknown }).kind === "tensor";
  if (isLeaf || flat.length <= lineBudget || value === null || typeof value !== "object") return flat;
  const pad = " ".repeat(indent + 2);
  const close = " ".repeat(indent);
  if (Array.isArray(value)) return `[\n${value.map((item) => `${pad}${writeLiteral(item, indent + 2)},`).join("\n")}\n${close}]`;
  const entries = definedEntries(value);
  return `{\n${entries.map(([key, item]) => `${pad}${propertyKey(key)}: ${writeLiteral(item, indent + 2)},`).join("\n")}\n${close}}`;
}
