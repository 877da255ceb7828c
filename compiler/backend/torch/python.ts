/**
 * Python text for the torch back end: a small indenting line writer, literals
 * (strings, numbers, the metadata as a dict), subscripts into parameter trees,
 * and the identifiers a generated module must not shadow.
 */
import { NameTable } from "../ts/names.ts";

/** Python keywords, the builtins generated code may call, and the module's own top-level names. */
export const pythonReserved: readonly string[] = [
  "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif", "else",
  "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise",
  "return", "try", "while", "with", "yield", "match", "case", "type",
  "abs", "all", "any", "dict", "float", "format", "hash", "id", "input", "int", "iter", "len", "list", "map", "max", "min", "next",
  "object", "open", "pow", "print", "range", "round", "slice", "sorted", "str", "sum", "tuple", "vars", "zip",
  "torch", "mt", "mesh", "main", "PROGRAMS",
];

/** A NameTable that never gives out a Python keyword, a builtin the code uses, or a module-level name. */
export function pythonNameTable(): NameTable {
  return new NameTable(pythonReserved);
}

/** A Python string literal (JSON strings are valid Python strings). */
export function pythonString(text: string): string {
  return JSON.stringify(text);
}

/** A Python float or int literal; `float("inf")` / `float("nan")` for the non-finite ones. */
export function pythonNumber(value: number): string {
  if (Number.isNaN(value)) return 'float("nan")';
  if (!Number.isFinite(value)) return value > 0 ? 'float("inf")' : 'float("-inf")';
  return String(value);
}

/** A Python tuple literal of ints: `(0, 2)`, `(1,)`, `()`. */
export function pythonTuple(items: readonly number[]): string {
  return items.length === 1 ? `(${items[0]},)` : `(${items.join(", ")})`;
}

/** `params["up"]["w"]`, `layers[0]`: the subscripts of a parameter leaf path below its root. */
export function pythonAccess(base: string, segments: readonly string[]): string {
  return segments.reduce((expression, segment) => (/^[0-9]+$/.test(segment) ? `${expression}[${segment}]` : `${expression}[${pythonString(segment)}]`), base);
}

/** The one-line Python form of every object and array of a value, computed once each (writing stays linear in its size). */
class InlineData {
  private readonly forms = new Map<object, string>();

  of(data: unknown): string {
    if (typeof data === "string") return pythonString(data);
    if (typeof data === "number" && Number.isFinite(data)) return String(data);
    if (typeof data !== "object" || data === null) throw new Error(`pythonData: ${String(data)} is not plain data (objects, arrays, strings, finite numbers)`);
    const known = this.forms.get(data);
    if (known !== undefined) return known;
    const form = Array.isArray(data)
      ? `[${data.map((item) => this.of(item)).join(", ")}]`
      : `{${Object.entries(data).map(([key, item]) => `${pythonString(key)}: ${this.of(item)}`).join(", ")}}`;
    this.forms.set(data, form);
    return form;
  }
}

/**
 * JSON data (objects, arrays, strings, finite numbers) as a Python literal:
 * a value that fits in `width` columns stays on one line, else its items go
 * one per line, indented by four spaces; a list of equal objects (the layers
 * of a model) is written once, as `[item for _ in range(n)]`.
 */
export function pythonData(data: unknown, depth = 0, column = 0, width = 100, forms = new InlineData()): string {
  const inline = forms.of(data);
  if (column + inline.length <= width || typeof data !== "object" || data === null) return inline;
  const inner = "    ".repeat(depth + 1);
  if (Array.isArray(data) && data.length >= 2 && typeof data[0] === "object" && data.every((item) => forms.of(item) === forms.of(data[0]))) {
    return `[${pythonData(data[0], depth, column + 1, width, forms)} for _ in range(${data.length})]`;
  }
  const items = Array.isArray(data)
    ? data.map((item) => `${inner}${pythonData(item, depth + 1, inner.length, width, forms)}`)
    : Object.entries(data).map(([key, item]) => {
      const head = `${inner}${JSON.stringify(key)}: `;
      return `${head}${pythonData(item, depth + 1, head.length, width, forms)}`;
    });
  const [open, close] = Array.isArray(data) ? ["[", "]"] : ["{", "}"];
  return `${open}\n${items.join(",\n")},\n${"    ".repeat(depth)}${close}`;
}

/** Writes lines of Python with four-space indentation. */
export class PythonWriter {
  private readonly lines: string[] = [];
  private depth = 0;

  /** One line at the current indentation (an empty line stays empty). */
  line(text = ""): this {
    this.lines.push(text === "" ? "" : `${"    ".repeat(this.depth)}${text}`);
    return this;
  }

  /** Lines of a block one level deeper; a block left empty gets `pass`. */
  indented(body: () => void): this {
    const before = this.lines.length;
    this.depth++;
    body();
    if (this.lines.length === before) this.line("pass");
    this.depth--;
    return this;
  }

  /** The text, ending with one newline. */
  toString(): string {
    return `${this.lines.join("\n")}\n`;
  }
}
