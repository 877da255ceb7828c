/**
 * Generated TypeScript modules in tests: written under the gitignored
 * `compiler/backend/ts/generated/` folder inside the repository (so that
 * `import "meshtype"` in them resolves to this package's sources) and
 * imported, each test file in a folder of its own that is removed after it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll } from "vitest";
import { emitModule } from "../backend/ts/emitModule.ts";
import type { Program } from "../ir/ir.ts";

/** The repository root. */
export const repoRoot = resolve(import.meta.dirname, "../..");

/** The paths a module emitted for a test imports the DSL and its runtime from (the sources, not a built package). */
export const sourceModules = { dslModule: join(repoRoot, "dsl/index.ts"), runtimeModule: join(repoRoot, "dsl/runtime/index.ts") } as const;

/** A module's exports, by name. */
export type ModuleExports = Record<string, unknown>;

/** Modules written into one test file's scratch folder and imported. */
export interface ScratchModules {
  /** Write `text` as `fileName` in the folder and import it. */
  readonly load: (fileName: string, text: string) => Promise<ModuleExports>;
  /** Emit `programs` as `meshtype build` does for `sourceFile` (importing the sources), load it: its text and exports. */
  readonly emit: (programs: readonly Program[], sourceFile: string) => Promise<{ readonly text: string; readonly module: ModuleExports }>;
}

/** A scratch folder named `prefix-...` for this test file. Call it at a describe's or the file's top level: it registers the folder's removal with `afterAll`. */
export function scratchModules(prefix: string): ScratchModules {
  const root = join(repoRoot, "compiler/backend/ts/generated");
  mkdirSync(root, { recursive: true });
  const scratch = mkdtempSync(join(root, `${prefix}-`));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const load = async (fileName: string, text: string): Promise<ModuleExports> => {
    const file = join(scratch, fileName);
    writeFileSync(file, text);
    return (await import(pathToFileURL(file).href)) as ModuleExports;
  };
  const emit = async (programs: readonly Program[], sourceFile: string) => {
    const text = emitModule(programs, { sourceFile, ...sourceModules });
    return { text, module: await load(`${sourceFile.replace(/^.*\//, "").replace(/\.ts$/, "")}.run.ts`, text) };
  };
  return { load, emit };
}
