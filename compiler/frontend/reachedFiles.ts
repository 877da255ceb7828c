/**
 * The user's files a model file reaches: the file itself and every source
 * file it imports or re-exports from, transitively, except meshtype's own
 * package files (its `dsl/` and `stdlib/`), other packages (node_modules)
 * and declaration files. The build type-checks all of them, so an error in a
 * helper module is reported in that module, not at its caller.
 */
import type { SourceFile } from "ts-morph";
import { isPackageFile } from "./dslSymbols.ts";

/** `file` and the user files it reaches through imports and re-exports, `file` first, each once. */
export function reachedUserFiles(file: SourceFile): SourceFile[] {
  const seen = new Set<SourceFile>([file]);
  const order: SourceFile[] = [file];
  for (let next = 0; next < order.length; next++) {
    const current = order[next];
    const targets = [
      ...current.getImportDeclarations().map((declaration) => declaration.getModuleSpecifierSourceFile()),
      ...current.getExportDeclarations().map((declaration) => declaration.getModuleSpecifierSourceFile()),
    ];
    for (const target of targets) {
      if (target === undefined || seen.has(target)) continue;
      seen.add(target);
      if (target.isDeclarationFile() || isPackageFile(target.getFilePath())) continue;
      order.push(target);
    }
  }
  return order;
}
