/**
 * Writing plain data (the `<name>Meta` objects) as a readable TypeScript
 * literal: keys unquoted where they are identifiers, and every small object
 * (a dim, an axis state, a tensor leaf) on one line, so a reader sees one
 * tensor per line instead of one number per line.
 */

/** `name` as an object key: bare when it is an identifier, quoted otherwise. */
export function propertyKey(name: string): string {
  const known = keys.get(name);
  if (known !== undefined) return known;
  const key = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : JSON.stringify(name);
  keys.set(name, key);
  return key;
}

/** Keys written so far (a program's meta repeats a few names thousands of times). */
const keys = new Map<string, string>();

/** Entries of a plain object, without the undefined ones (they are not written). */
function definedEntries(value: object): [string, unknown][] {
  return Object.entries(value).filter(([, item]) => item !== undefined);
}

/** The one-line form of every object and array of a value, computed once each (so writing stays linear in its size). */
class InlineForms {
  private readonly forms = new Map<object, string>();

  of(value: unknown): string {
    if (value === null || typeof value !== "object") return JSON.stringify(value);
    const known = this.forms.get(value);
    if (known !== undefined) return known;
    let form = "";
    if (Array.isArray(value)) {
      for (const item of value) form += form === "" ? this.of(item) : `, ${this.of(item)}`;
      form = `[${form}]`;
    } else {
      const record = value as Record<string, unknown>;
      for (const key in record) {
        const item = record[key];
        if (item === undefined) continue;
        form += `${form === "" ? "" : ", "}${propertyKey(key)}: ${this.of(item)}`;
      }
      form = form === "" ? "{}" : `{ ${form} }`;
    }
    this.forms.set(value, form);
    return form;
  }
}

/** Objects whose one-line form is at most this long stay on one line. */
const lineBudget = 100;

/** Whether `value` is an array of at least two items that are all the same data (they are written once). */
export function repeatsOneItem(value: readonly unknown[], formOf: (item: unknown) => string): boolean {
  if (value.length < 2 || value[0] === null || typeof value[0] !== "object") return false;
  const first = formOf(value[0]);
  return value.every((item) => formOf(item) === first);
}

/**
 * `value` (plain data: JSON values and objects of them) as a TypeScript literal, indented by `indent` spaces after the first
 * line. Objects and arrays that fit in the line budget, and every tensor leaf
 * (`kind: "tensor"`), are written on one line; an array of equal objects (the layers of a
 * model) is written once, as `Array.from({ length: n }, () => (item as const))`.
 */
export function writeLiteral(value: unknown, indent = 0, forms = new InlineForms()): string {
  const flat = forms.of(value);
  const isLeaf = value !== null && typeof value === "object" && !Array.isArray(value) && (value as { kind?: unknown }).kind === "tensor";
  if (isLeaf || flat.length <= lineBudget || value === null || typeof value !== "object") return flat;
  const pad = " ".repeat(indent + 2);
  const close = " ".repeat(indent);
  if (Array.isArray(value)) {
    if (repeatsOneItem(value, (item) => forms.of(item))) return `Array.from({ length: ${value.length} }, () => (${writeLiteral(value[0], indent, forms)} as const))`;
    return `[\n${value.map((item) => `${pad}${writeLiteral(item, indent + 2, forms)},`).join("\n")}\n${close}]`;
  }
  const entries = definedEntries(value);
  return `{\n${entries.map(([key, item]) => `${pad}${propertyKey(key)}: ${writeLiteral(item, indent + 2, forms)},`).join("\n")}\n${close}}`;
}
