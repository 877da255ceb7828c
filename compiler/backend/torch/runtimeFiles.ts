/**
 * The files a torch build writes: the generated module and, beside it, the
 * `meshtype_torch` package it imports (shipped in ./runtime as plain Python).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { Program } from "../../ir/ir.ts";
import { emitTorchModule, type TorchEmitOptions } from "./emitTorchModule.ts";

/** A file to write, its path relative to the output folder. */
export interface OutputFile {
  readonly path: string;
  readonly text: string;
}

/** The folder that holds the `meshtype_torch` package. */
export const torchRuntimeDir: string = path.join(path.dirname(fileURLToPath(import.meta.url)), "runtime");

/** The `meshtype_torch` package, file by file (`meshtype_torch/__init__.py`, ...), sorted by path. */
export function torchRuntimeFiles(): OutputFile[] {
  const packageDir = path.join(torchRuntimeDir, "meshtype_torch");
  return fs.readdirSync(packageDir)
    .filter((name) => name.endsWith(".py"))
    .sort()
    .map((name) => ({ path: `meshtype_torch/${name}`, text: fs.readFileSync(path.join(packageDir, name), "utf8") }));
}

/** `examples/mlp/mlp.ts` -> `mlp_torch.py` (the suffix keeps a file called torch.ts from shadowing torch). */
export function torchModuleFileName(sourceFile: string): string {
  const base = path.basename(sourceFile).replace(/\.[cm]?[jt]sx?$/, "").replace(/[^A-Za-z0-9_]/g, "_");
  return `${/^[0-9]/.test(base) ? `_${base}` : base}_torch.py`;
}

/**
 * Everything `meshtype build <file> --target torch` writes into its output
 * folder: `<name>_torch.py` and the `meshtype_torch` package.
 *
 * @example
 * for (const file of torchBuildFiles(lowered, { sourceFile: "examples/mlp/mlp.ts" })) {
 *   fs.mkdirSync(path.dirname(path.join(out, file.path)), { recursive: true });
 *   fs.writeFileSync(path.join(out, file.path), file.text);
 * }
 */
export function torchBuildFiles(programs: readonly Program[], options: TorchEmitOptions): OutputFile[] {
  return [{ path: torchModuleFileName(options.sourceFile), text: emitTorchModule(programs, options) }, ...torchRuntimeFiles()];
}
