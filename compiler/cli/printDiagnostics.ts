/**
 * How the command line prints diagnostics: each root cause once (identical
 * code, location and message are one diagnostic), as
 * `file:line:col CODE message`, then the source line with the span underlined
 * by TypeScript's own formatter (`ts.formatDiagnosticsWithColorAndContext`),
 * then the hint; coloured or not. Or as one JSON object (`--json`), with
 * paths relative to the project root.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ts } from "ts-morph";
import type { Diagnostic } from "../diagnostics/diagnostic.ts";
import { paint, stripAnsi } from "./color.ts";

/** The version of the JSON that `--json` prints (diagnostics and `explain --json`); see docs/explain.schema.json. */
export const jsonFormatVersion = 1;

/** The diagnostics with repeats of one root cause (same code, location and message) left out, in order. */
export function dedupeDiagnostics(list: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return list.filter((item) => {
    const key = [item.code, item.loc?.file ?? "", item.loc?.line ?? 0, item.loc?.column ?? 0, item.message].join("\u0000");
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Where the printer finds files and how it writes their paths. */
export interface PrintOptions {
  readonly color: boolean;
  /** Locations are relative to this folder (as the compiler was given). */
  readonly rootDir: string;
  /** Paths are printed relative to this folder (default: the current folder). */
  readonly cwd?: string;
}

/** The length of the token at `start`: what the underline covers. */
function tokenLength(text: string, start: number): number {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, text, undefined, start);
  scanner.scan();
  return Math.max(1, scanner.getTokenEnd() - start);
}

/** The source line of `item` with its span underlined, as TypeScript prints it; undefined without a readable file. */
function codeFrame(item: Diagnostic, absolute: string, display: string, color: boolean): string | undefined {
  const loc = item.loc;
  if (loc === undefined) return undefined;
  let text: string;
  try {
    text = fs.readFileSync(absolute, "utf8");
  } catch {
    return undefined;
  }
  const file = ts.createSourceFile(display, text, ts.ScriptTarget.Latest, false);
  const lineCount = file.getLineStarts().length;
  if (loc.line < 1 || loc.line > lineCount) return undefined;
  const lineStart = file.getPositionOfLineAndCharacter(loc.line - 1, 0);
  const lineEnd = file.getLineEndOfPosition(lineStart);
  const start = Math.min(lineStart + Math.max(0, loc.column - 1), lineEnd);
  const length = Math.min(tokenLength(text, start), Math.max(1, lineEnd - start));
  const tsDiagnostic: ts.Diagnostic = { file, start, length, category: ts.DiagnosticCategory.Error, code: 0, messageText: item.message };
  const host: ts.FormatDiagnosticsHost = { getCurrentDirectory: () => "", getCanonicalFileName: (name) => name, getNewLine: () => "\n" };
  const formatted = ts.formatDiagnosticsWithColorAndContext([tsDiagnostic], host);
  const lines = formatted.split("\n").slice(1);
  while (lines.length > 0 && stripAnsi(lines[0] ?? "").trim() === "") lines.shift();
  while (lines.length > 0 && stripAnsi(lines[lines.length - 1] ?? "").trim() === "") lines.pop();
  if (lines.length === 0) return undefined;
  const frame = lines.join("\n");
  return color ? frame : stripAnsi(frame);
}

/** A location's file as the printer shows it: relative to the current folder when inside it. */
function displayPath(file: string, options: PrintOptions): string {
  const absolute = path.resolve(options.rootDir, file);
  const relative = path.relative(options.cwd ?? process.cwd(), absolute);
  return (relative.startsWith("..") || path.isAbsolute(relative) ? absolute : relative).split(path.sep).join("/");
}

/** One diagnostic as text: header, code frame (when the file is readable), hint, notes; ends with a newline. */
export function formatDiagnosticText(item: Diagnostic, options: PrintOptions): string {
  const style = paint(options.color);
  const loc = item.loc;
  let header = `${style.red(item.code)} ${item.message}`;
  let frame: string | undefined;
  if (loc !== undefined) {
    const absolute = path.resolve(options.rootDir, loc.file);
    const relative = path.relative(options.cwd ?? process.cwd(), absolute);
    const display = (relative.startsWith("..") || path.isAbsolute(relative) ? absolute : relative).split(path.sep).join("/");
    header = `${style.cyan(display)}:${style.yellow(String(loc.line))}:${style.yellow(String(loc.column))} ${header}`;
    frame = codeFrame(item, absolute, display, options.color);
  }
  const hint = `  ${style.dim("hint:")} ${item.hint}`;
  const notes = (item.notes ?? []).map((note) => `\n  ${style.dim("note:")} ${note.loc ? `${displayPath(note.loc.file, options)}:${note.loc.line}:${note.loc.column} ` : ""}${note.message}`).join("");
  return frame === undefined ? `${header}\n${hint}${notes}\n` : `${header}\n\n${frame}\n\n${hint}${notes}\n`;
}

/** Every diagnostic as text, each root cause once, a blank line between them when they have code frames. */
export function formatDiagnosticsText(list: readonly Diagnostic[], options: PrintOptions): string {
  return dedupeDiagnostics(list).map((item) => formatDiagnosticText(item, options)).join("");
}

/** One diagnostic in `--json` output. */
export interface DiagnosticJson {
  readonly code: string;
  readonly severity: "error";
  readonly message: string;
  readonly hint: string;
  /** Absent for problems with the command line itself. */
  readonly loc?: { readonly file: string; readonly line: number; readonly column: number };
  /** Related places (the library line, the tensor a layout cannot hold), when there are any. */
  readonly notes?: readonly { readonly message: string; readonly loc?: { readonly file: string; readonly line: number; readonly column: number } }[];
}

/** The diagnostics as `--json` prints them: each root cause once, paths relative to `projectRoot`. */
export function diagnosticsJson(list: readonly Diagnostic[], rootDir: string, projectRoot: string): { readonly version: number; readonly diagnostics: readonly DiagnosticJson[] } {
  return {
    version: jsonFormatVersion,
    diagnostics: dedupeDiagnostics(list).map((item) => ({
      code: item.code,
      severity: "error",
      message: item.message,
      hint: item.hint,
      ...(item.loc === undefined ? {} : { loc: { file: relativeTo(projectRoot, path.resolve(rootDir, item.loc.file)), line: item.loc.line, column: item.loc.column } }),
      ...(item.notes === undefined ? {} : {
        notes: item.notes.map((note) => ({
          message: note.message,
          ...(note.loc === undefined ? {} : { loc: { file: relativeTo(projectRoot, path.resolve(rootDir, note.loc.file)), line: note.loc.line, column: note.loc.column } }),
        })),
      }),
    })),
  };
}

/** `absolute` relative to `root` with forward slashes (absolute when it lies outside). */
export function relativeTo(root: string, absolute: string): string {
  const relative = path.relative(root, absolute);
  return (relative.startsWith("..") || path.isAbsolute(relative) ? absolute : relative).split(path.sep).join("/");
}
