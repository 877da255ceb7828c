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

/** Objects whose one-line form is at most this long stay on one line. */
const lineBudget = 100;

/**
 * One-line forms of the objects and arrays of a value, each computed once. A form longer
 * than the line budget is never built (only tensor leaves, always on one line, are written
 * whole): a program's meta has one tree per layer, and the one-line form of the whole of it
 * would grow with the layers though the literal writes the layers once.
 */
class InlineForms {
  /** The form of each object seen, or null when it is longer than the line budget. */
  private readonly short = new Map<object, string | null>();
  private readonly whole = new Map<object, string>();

  /** The one-line form of `value` when it is at most `lineBudget` long, else undefined. */
  fitting(value: unknown): string | undefined {
    if (value === null || typeof value !== "object") return JSON.stringify(value);
    const known = this.short.get(value);
    if (known !== undefined) return known ?? undefined;
    const form = this.build(value, (item) => this.fitting(item), lineBudget);
    this.short.set(value, form ?? null);
    return form;
  }

  /** The one-line form of `value`, however long. */
  of(value: unknown): string {
    if (value === null || typeof value !== "object") return JSON.stringify(value);
    const known = this.whole.get(value) ?? this.short.get(value);
    if (known !== undefined && known !== null) return known;
    const form = this.build(value, (item) => this.of(item), Infinity) as string;
    this.whole.set(value, form);
    return form;
  }

  /** The form of an object or array from its items' forms; undefined once it is longer than `budget` (or an item's form is undefined). */
  private build(value: object, formOf: (item: unknown) => string | undefined, budget: number): string | undefined {
    let form = "";
    if (Array.isArray(value)) {
      for (const item of value) {
        const inner = formOf(item);
        if (inner === undefined && item !== undefined) return undefined;
        form += form === "" ? `${inner}` : `, ${inner}`;
        if (form.length + 2 > budget) return undefined;
      }
      return `[${form}]`;
    }
    const record = value as Record<string, unknown>;
    for (const key in record) {
      const item = record[key];
      if (item === undefined) continue;
      const inner = formOf(item);
      if (inner === undefined) return undefined;
      form += `${form === "" ? "" : ", "}${propertyKey(key)}: ${inner}`;
      if (form.length + 4 > budget) return undefined;
    }
    return form === "" ? "{}" : `{ ${form} }`;
  }
}

/**
 * Whether two plain data values have the same one-line form (`InlineForms.of`): the same
 * items, the same defined fields in the same order, equal JSON values. Compared in place,
 * without writing the forms.
 */
export function sameData(first: unknown, second: unknown): boolean {
  if (first === second) return true;
  if (!isObject(first) || !isObject(second)) return !isObject(first) && !isObject(second) && JSON.stringify(first) === JSON.stringify(second);
  if (Array.isArray(first) || Array.isArray(second)) {
    if (!Array.isArray(first) || !Array.isArray(second) || first.length !== second.length) return false;
    for (let index = 0; index < first.length; index++) if (!sameData(first[index], second[index])) return false;
    return true;
  }
  // the defined fields of each, in order, pairwise
  const a = first as Record<string, unknown>;
  const b = second as Record<string, unknown>;
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  let i = 0;
  let j = 0;
  for (;;) {
    while (i < aKeys.length && a[aKeys[i]] === undefined) i++;
    while (j < bKeys.length && b[bKeys[j]] === undefined) j++;
    if (i === aKeys.length || j === bKeys.length) return i === aKeys.length && j === bKeys.length;
    if (aKeys[i] !== bKeys[j] || !sameData(a[aKeys[i]], b[bKeys[j]])) return false;
    i++;
    j++;
  }
}

function isObject(value: unknown): value is object {
  return value !== null && typeof value === "object";
}

/** Whether `value` is an array of at least two items that are all the same data (they are written once). */
export function repeatsOneItem(value: readonly unknown[]): boolean {
  if (value.length < 2 || value[0] === null || typeof value[0] !== "object") return false;
  return value.every((item) => sameData(item, value[0]));
}

/**
 * `value` (plain data: JSON values and objects of them) as a TypeScript literal, indented by `indent` spaces after the first
 * line. Objects and arrays that fit in the line budget, and every tensor leaf
 * (`kind: "tensor"`), are written on one line; an array of equal objects (the layers of a
 * model) is written once, as `Array.from({ length: n }, () => (item as const))`.
 */
export function writeLiteral(value: unknown, indent = 0, forms = new InlineForms()): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  const isLeaf = !Array.isArray(value) && (value as { kind?: unknown }).kind === "tensor";
  if (isLeaf) return forms.of(value);
  const flat = forms.fitting(value);
  if (flat !== undefined) return flat;
  const pad = " ".repeat(indent + 2);
  const close = " ".repeat(indent);
  if (Array.isArray(value)) {
    if (repeatsOneItem(value)) return `Array.from({ length: ${value.length} }, () => (${writeLiteral(value[0], indent, forms)} as const))`;
    return `[\n${value.map((item) => `${pad}${writeLiteral(item, indent + 2, forms)},`).join("\n")}\n${close}]`;
  }
  const entries = definedEntries(value);
  return `{\n${entries.map(([key, item]) => `${pad}${propertyKey(key)}: ${writeLiteral(item, indent + 2, forms)},`).join("\n")}\n${close}}`;
}
