/**
 * Readable, unique identifiers for the values of a generated function: the
 * user's variable name where there is one (`h`, `y`), with `_1`, `_2` for the
 * versions a collective makes, and `v<id>` otherwise.
 */
// `i` is never a value's name: the TypeScript back end uses it as the index of every outermost loop (emitModule.ts).
const reserved = new Set([
  "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do", "else", "enum", "export",
  "extends", "false", "finally", "for", "function", "if", "import", "in", "instanceof", "new", "null", "return", "super",
  "switch", "this", "throw", "true", "try", "typeof", "var", "void", "while", "with", "yield", "let", "static", "await",
  "implements", "interface", "package", "private", "protected", "public", "undefined", "NaN", "Infinity", "arguments", "eval",
  "ctx", "i", "dims", "Tensor", "DeviceContext", "Promise", "checkLocalArgs",
]);

/** Gives out identifiers, never the same twice, never one of `taken`. */
export class NameTable {
  private readonly used: Set<string>;

  constructor(taken: Iterable<string> = []) {
    this.used = new Set([...reserved, ...taken]);
  }

  /** A fresh identifier from `hint` (sanitized), or from `fallback` when there is no usable hint. */
  fresh(hint: string | undefined, fallback: string): string {
    let base = (hint ?? "").replace(/[^A-Za-z0-9_$]/g, "_").replace(/^([0-9])/, "_$1");
    if (base === "" || /^_+$/.test(base)) base = fallback;
    let name = base;
    for (let suffix = 1; this.used.has(name); suffix++) name = `${base}_${suffix}`;
    this.used.add(name);
    return name;
  }
}

/**
 * `x.w` for an identifier field, `x["my-field"]` otherwise; `x[0]!` for an
 * index (the `!` keeps `noUncheckedIndexedAccess` callers compiling; the
 * generated function's checkLocalArgs has checked the item is there).
 */
export function accessPath(base: string, segments: readonly string[]): string {
  return segments.reduce((expression, segment) => {
    if (/^[0-9]+$/.test(segment)) return `${expression}[${segment}]!`;
    return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment) ? `${expression}.${segment}` : `${expression}[${JSON.stringify(segment)}]`;
  }, base);
}
