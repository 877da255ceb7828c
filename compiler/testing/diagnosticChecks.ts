/**
 * What every diagnostic a user gets must be, as the fuzz and property tests
 * check it: an MT code, a message and a hint, a location in the user's own
 * code (or the file being edited), no IR ids (`%18`), no repeated prefix
 * (`einsum: einsum:`), and each reported once in one list.
 */
import * as path from "node:path";
import type { Diagnostic } from "../diagnostics/diagnostic.ts";

/** Why a diagnostic is not one a user may get for an edit of `mutated`, or undefined when it is fine. */
export function diagnosticProblem(item: Diagnostic, mutated: string): string | undefined {
  if (!/^MT\d{4}$/.test(item.code)) return `code "${item.code}" is not an MT code`;
  if (item.message.trim() === "" || item.hint.trim() === "") return `${item.code} has an empty message or hint`;
  if (/%-?\d/.test(item.message)) return `${item.code} names an IR id: ${item.message}`;
  const doubled = /\b([A-Za-z]\w*): \1:/.exec(item.message);
  if (doubled) return `${item.code} repeats "${doubled[1]}:": ${item.message}`;
  if (item.loc === undefined) return `${item.code} has no location: ${item.message}`;
  const file = item.loc.file;
  const inPackage = /^(dsl|stdlib)\//.test(file) || file.includes("node_modules/");
  if (file !== mutated && (inPackage || path.isAbsolute(file))) return `${item.code} is located in ${file}:${item.loc.line}, neither the mutated file nor the user's code: ${item.message}`;
  return undefined;
}

/** The first diagnostic reported twice (same code, place and text), described; undefined when each is reported once. */
export function repeatedProblem(diagnostics: readonly Diagnostic[]): string | undefined {
  const seen = new Set<string>();
  for (const item of diagnostics) {
    const key = `${item.code} ${item.loc?.file}:${item.loc?.line}:${item.loc?.column} ${item.message}`;
    if (seen.has(key)) return `${item.code} is reported twice at ${item.loc?.file}:${item.loc?.line}:${item.loc?.column}: ${item.message}`;
    seen.add(key);
  }
  return undefined;
}
