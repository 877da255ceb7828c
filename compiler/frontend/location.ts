/**
 * Source locations of ts-morph nodes, as the IR and diagnostics write them:
 * a file path relative to a root folder (the current directory for the CLI),
 * and a 1-based line and column. Lines come from a table of line starts per
 * file text, built once and searched by bisection (ts-morph's
 * `getLineAndColumnAtPos` counts the newlines from the start of the file at
 * every call, which made locating every op of a large model quadratic).
 */
import * as path from "node:path";
import type { Node, SourceFile } from "ts-morph";
import type { SourceLoc } from "../ir/ir.ts";

/** The positions of the newlines of a text, in order. */
function newlinePositions(text: string): number[] {
  const positions: number[] = [];
  for (let index = text.indexOf("\n"); index >= 0; index = text.indexOf("\n", index + 1)) positions.push(index);
  return positions;
}

/**
 * The 1-based line and column of `pos` in `text`, as ts-morph gives them: the line is one more than
 * the newlines before `pos`; the column counts from the last newline or carriage return before it.
 */
export function lineAndColumn(text: string, newlines: readonly number[], pos: number): { line: number; column: number } {
  let low = 0;
  let high = newlines.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (newlines[middle] < pos) low = middle + 1;
    else high = middle;
  }
  let lineStart = low === 0 ? 0 : newlines[low - 1] + 1;
  for (let index = pos - 1; index >= lineStart; index--) {
    if (text.charCodeAt(index) === 13) {
      lineStart = index + 1;
      break;
    }
  }
  return { line: low + 1, column: pos - lineStart + 1 };
}

/** Turns nodes into `SourceLoc`s with paths relative to `rootDir`. */
export class Locator {
  private readonly rootDir: string;
  /** Per file: the text the table was made from, and its newlines. */
  private readonly tables = new Map<SourceFile, { readonly text: string; readonly newlines: readonly number[] }>();

  constructor(rootDir: string) {
    this.rootDir = rootDir;
  }

  /** The location of `node`'s first character (after its leading trivia). */
  of(node: Node): SourceLoc {
    const sourceFile = node.getSourceFile();
    const text = sourceFile.getFullText();
    let table = this.tables.get(sourceFile);
    if (!table || table.text !== text) {
      table = { text, newlines: newlinePositions(text) };
      this.tables.set(sourceFile, table);
    }
    const { line, column } = lineAndColumn(text, table.newlines, node.getStart());
    return { file: this.file(sourceFile.getFilePath()), line, column };
  }

  /** The location of a position in a file. */
  at(filePath: string, line: number, column: number): SourceLoc {
    return { file: this.file(filePath), line, column };
  }

  /** `filePath` relative to the root (with forward slashes), or as given when it lies outside it. */
  file(filePath: string): string {
    const relative = path.relative(this.rootDir, filePath);
    if (relative.startsWith("..") || path.isAbsolute(relative)) return filePath;
    return relative.split(path.sep).join("/");
  }
}
