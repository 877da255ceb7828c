/**
 * Source locations of ts-morph nodes, as the IR and diagnostics write them:
 * a file path relative to a root folder (the current directory for the CLI),
 * and a 1-based line and column.
 */
import * as path from "node:path";
import type { Node } from "ts-morph";
import type { SourceLoc } from "../ir/ir.ts";

/** Turns nodes into `SourceLoc`s with paths relative to `rootDir`. */
export class Locator {
  private readonly rootDir: string;

  constructor(rootDir: string) {
    this.rootDir = rootDir;
  }

  /** The location of `node`'s first character (after its leading trivia). */
  of(node: Node): SourceLoc {
    const sourceFile = node.getSourceFile();
    const { line, column } = sourceFile.getLineAndColumnAtPos(node.getStart());
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
