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

/** A user error at a place in the user's sources. */
export interface Diagnostic {
  readonly code: string;
  readonly message: string;
  readonly hint: string;
  readonly loc?: SourceLoc;
}

/** Build a diagnostic from a catalog entry. */
export function diagnostic<Args>(template: MessageTemplate<Args>, args: Args, loc?: SourceLoc): Diagnostic {
  return { code: template.code, message: template.message(args), hint: template.hint(args), loc };
}

/** Thrown for user errors; carries one or more diagnostics. */
export class CompileError extends Error {
  readonly diagnostics: readonly Diagnostic[];

  constructor(diagnostics: readonly Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join("\n"));
    this.name = "CompileError";
    this.diagnostics = diagnostics;
  }
}

/** Throw a `CompileError` for one catalog entry. */
export function fail<Args>(template: MessageTemplate<Args>, args: Args, loc?: SourceLoc): never {
  throw new CompileError([diagnostic(template, args, loc)]);
}

/** `file:line:col CODE message` then an indented hint line: how the CLI prints a diagnostic. */
export function formatDiagnostic(item: Diagnostic): string {
  const where = item.loc ? `${item.loc.file}:${item.loc.line}:${item.loc.column} ` : "";
  return `${where}${item.code} ${item.message}\n  hint: ${item.hint}`;
}
