import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { ts } from "ts-morph";
import { describe, expect, it } from "vitest";
import { compileFiles } from "../index.ts";
import { findTsConfig, loadProjects } from "./loadProject.ts";

const here = path.dirname(fileURLToPath(import.meta.url));

describe("loading the user's project", () => {
  it("finds the nearest tsconfig.json upward from a file", () => {
    expect(findTsConfig(path.join(here, "__fixtures__/mlp.ts"))).toBe(path.resolve(here, "../../tsconfig.json"));
  });

  it("falls back to default options when no tsconfig.json is found, one project per tsconfig", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "meshtype-load-"));
    const file = path.join(dir, "model.ts");
    fs.writeFileSync(file, "export const x = 1;\n");
    try {
      if (findTsConfig(file) !== undefined) return; // a tsconfig above the temp folder: nothing to check here
      const [loaded, ...others] = loadProjects([file, file]);
      expect(others).toEqual([]);
      expect(loaded.tsConfig).toBeUndefined();
      expect(loaded.project.getCompilerOptions().module).toBe(ts.ModuleKind.NodeNext);
      expect(loaded.files.map((source) => source.getFilePath())).toEqual([file, file]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("leaves out the tsconfig's @types packages only when the build does not type-check", () => {
    // this repository's tsconfig.json names types: ["node"]
    const file = path.join(here, "__fixtures__/mlp.ts");
    const nodeTypes = (typeCheck: boolean): number => {
      const [loaded] = loadProjects([file], { typeCheck });
      const program = loaded.project.getProgram().compilerObject;
      return program.getSourceFiles().filter((source) => source.fileName.includes("/@types/node/")).length;
    };
    expect(nodeTypes(true)).toBeGreaterThan(0);
    expect(nodeTypes(false)).toBe(0);
  });

  it("compiles a model to the same module with and without the type check (which loads the @types packages)", () => {
    const file = path.resolve(here, "../../examples/mlp/mlp.ts");
    const checked = compileFiles([file], { typeCheck: true });
    const unchecked = compileFiles([file], { typeCheck: false });
    expect(checked.diagnostics).toEqual([]);
    expect(unchecked.diagnostics).toEqual([]);
    expect(unchecked.files[0]?.module).toBeDefined();
    expect(unchecked.files[0]?.module).toBe(checked.files[0]?.module);
  });
});
