/**
 * The TypeScript back end over several axes and uneven splits: the golden
 * module (the padding options of collectives, the masks with each device's
 * real length, the comments naming the short shards), tsc accepts it, and it
 * runs on the simulated mesh equal to eager.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { MeshAxis } from "../../../dsl/mesh.ts";
import { compileProgram } from "../../passes/pipeline.ts";
import { readGolden } from "../../testing/golden.ts";
import { makeInputs, maxDifference, runEager, runOnMesh, type DeviceFunction } from "../../testing/harness.ts";
import { atOddSizes, paddingReaders } from "../../testing/multiAxisLayouts.ts";
import { heads, mlp, relayoutProgram } from "../../testing/programs.ts";
import { emitModule } from "./emitModule.ts";
import type { ProgramMeta } from "./meta.ts";

const repo = resolve(import.meta.dirname, "../../..");
const mesh: readonly MeshAxis[] = [{ name: "data", size: 2 }, { name: "model", size: 2 }];
const sources = [
  ["mlpFsdp", mlp.build(mesh, "batch:(data, model)")],
  ["relayoutOdd", atOddSizes(relayoutProgram).build(mesh, "batch:padded(data), d_model:padded(model)")],
  ["headsOdd", atOddSizes(heads).build(mesh, "heads:padded(model, data)")],
  ["readersOdd", atOddSizes(paddingReaders).build(mesh, "batch:padded(model), d_in:padded(data)")],
].map(([name, program]) => ({ ...(program as ReturnType<typeof mlp.build>), name: name as string }));
const lowered = sources.map((program) => compileProgram(program));
const scratchRoot = join(repo, "compiler/backend/ts/generated");
mkdirSync(scratchRoot, { recursive: true });
const scratch = mkdtempSync(join(scratchRoot, "uneven-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("emitModule over several axes and uneven splits", () => {
  const text = emitModule(lowered, { sourceFile: "uneven.ts" });

  it("matches the golden module: padding options, masks with each device's real length, short shards named", () => {
    expect(text).toBe(readGolden(import.meta.dirname, "uneven.generated.ts.txt", text));
    expect(text).toContain('import { checkLocalArgs, maskPadding, validLength, type DeviceContext } from "meshtype/runtime";');
    expect(text).toMatch(/await ctx\.allGather\(\w+, "data", "seq", \{ size: \d+ \}\)/);
    expect(text).toMatch(/ctx\.localSlice\(\w+, "\w+", "\w+", \{ pad: true \}\)/);
    expect(text).toMatch(/maskPadding\(\w+, \{ d_in: validLength\(ctx, 5, \["data"\]\) \}, -Infinity\)/);
    expect(text).toContain("(padded: d_in: 3 per device, 2 on data=1)");
  });

  it("type-checks with tsc", () => {
    writeFileSync(join(scratch, "uneven.generated.ts"), text);
    writeFileSync(join(scratch, "tsconfig.json"), JSON.stringify({ extends: join(repo, "tsconfig.json"), compilerOptions: { types: ["node"] }, files: ["uneven.generated.ts"] }));
    let output = "";
    try {
      execFileSync(process.execPath, [join(repo, "node_modules/typescript/bin/tsc"), "--noEmit", "-p", join(scratch, "tsconfig.json")], { cwd: repo, encoding: "utf8" });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    expect(output).toBe("");
  }, 120_000);

  it("runs on the simulated mesh and equals eager execution of the global program", async () => {
    const runnable = emitModule(lowered, { sourceFile: "uneven.ts", dslModule: join(repo, "dsl/index.ts"), runtimeModule: join(repo, "dsl/runtime/index.ts") });
    const file = join(scratch, "uneven.run.ts");
    writeFileSync(file, runnable);
    const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    for (const program of sources) {
      const args = makeInputs(program, 5);
      const expected = await runEager(program, args);
      const { result } = await runOnMesh(module[program.name] as DeviceFunction, module[`${program.name}Meta`] as ProgramMeta, args);
      expect(maxDifference(result, expected), program.name).toBeLessThan(1e-4);
    }
  });
});
