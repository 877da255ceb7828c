/**
 * Diagnostics: the compiler's user-facing errors. Every message lives in a
 * catalog (see `catalog.ts`) with a stable code, a text and a fix hint, like
 * TypeScript's diagnosticMessages.json. A user error is thrown as a
 * `CompileError` carrying diagnostics; any other exception is a compiler bug.
 */
import type { SourceLoc } from "../ir/ir.ts";

/** One entry of the catalog: a code and how to word the message and its hint. */
export interface MessageTemplate<Args> {
  /** Stable code, e.g. `"MT1001"`. MT1xxx: front end; MT2xxx: validation; MT3xxx: lowering; MT9xxx: command line. */
  readonly code: string;
  readonly message: (args: Args) => string;
  readonly hint: (args: Args) => string;
}

/** More about a diagnostic, at another place: the library line an error comes from, the tensor a layout cannot hold. */
export interface DiagnosticNote {
  readonly message: string;
  readonly loc?: SourceLoc;
}

/** A user error at a place in the user's sources. */
export interface Diagnostic {
  readonly code: string;
  readonly message: string;
  readonly hint: string;
  readonly loc?: SourceLoc;
  /** Related places, printed after the hint. */
  readonly notes?: readonly DiagnosticNote[];
}

/** A location without its call site: the place itself. */
export function placeOf(loc: SourceLoc): SourceLoc {
  return { file: loc.file, line: loc.line, column: loc.column };
}

/**
 * A location as diagnostics report it: a place inside meshtype's own files
 * (a stdlib layer) moves to the user's call that reached it, and the library
 * place becomes a note.
 */
export function reportedAt(loc: SourceLoc | undefined): { loc?: SourceLoc; notes: DiagnosticNote[] } {
  if (loc === undefined) return { notes: [] };
  if (loc.callSite === undefined) return { loc: placeOf(loc), notes: [] };
  return { loc: placeOf(loc.callSite), notes: [{ message: "where it happens, inside meshtype's library code reached from this call", loc: placeOf(loc) }] };
}

/** Build a diagnostic from a catalog entry, at `loc` (moved to the user's call site when it lies in meshtype's files), with `notes`. */
export function diagnostic<Args>(template: MessageTemplate<Args>, args: Args, loc?: SourceLoc, notes: readonly DiagnosticNote[] = []): Diagnostic {
  const at = reportedAt(loc);
  const all = [...at.notes, ...notes];
  const base = { code: template.code, message: template.message(args), hint: template.hint(args), loc: at.loc };
  return all.length === 0 ? base : { ...base, notes: all };
}

/** Thrown for user errors; carries one or more diagnostics. */
export class CompileError extends Error {
  readonly diagnostics: readonly Diagnostic[];

  /** `diagnostics`, each root cause once: a repeat of one already listed (same code, place and message, e.g. one op read in every iteration of an unrolled loop) is dropped. */
  constructor(diagnostics: readonly Diagnostic[]) {
    const seen = new Set<string>();
    const once = diagnostics.filter((item) => {
      const key = `${item.code} ${item.loc?.file}:${item.loc?.line}:${item.loc?.column} ${item.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    super(once.map(formatDiagnostic).join("\n"));
    this.name = "CompileError";
    this.diagnostics = once;
  }
}

/** Throw a `CompileError` for one catalog entry. */
export function fail<Args>(template: MessageTemplate<Args>, args: Args, loc?: SourceLoc, notes?: readonly DiagnosticNote[]): never {
  throw new CompileError([diagnostic(template, args, loc, notes)]);
}

/** `file:line:col ` of a location, or nothing. */
function where(loc: SourceLoc | undefined): string {
  return loc ? `${loc.file}:${loc.line}:${loc.column} ` : "";
}

/** `file:line:col CODE message`, an indented hint line, then a line per note: a diagnostic as plain text. */
export function formatDiagnostic(item: Diagnostic): string {
  const notes = (item.notes ?? []).map((note) => `\n  note: ${where(note.loc)}${note.message}`).join("");
  return `${where(item.loc)}${item.code} ${item.message}\n  hint: ${item.hint}${notes}`;
}
