/**
 * `meshtype explain --show-sharding`: for each program, a picture of how
 * every parameter leaf and result leaf is split over the mesh (the runtime's
 * drawProgramSharding, as JAX's visualize_array_sharding draws it), and with
 * `--svg DIR` the same pictures as DIR/<program>.svg. `explain --json`
 * carries the same facts per leaf (`leaves`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { drawProgramSharding, programShardingSvg } from "../../dsl/runtime/drawSharding.ts";
import { localDimsOf, metaLeaves } from "../../dsl/runtime/programMeta.ts";
import type { Sharding } from "../../dsl/runtime/sharding.ts";
import type { Dim } from "../../dsl/tensor.ts";
import { programMeta } from "../backend/ts/meta.ts";
import { cliMessages } from "../diagnostics/cliMessages.ts";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.ts";
import type { CompiledProgram } from "../index.ts";

/** One parameter or result leaf in `explain --json`. */
export interface LeafJson {
  /** `x`, `params.up.w`, `params.layers[0].w`, `result`, `result.loss`. */
  readonly path: string;
  readonly role: "param" | "result";
  /** Global dims. */
  readonly dims: readonly Dim[];
  /** What one device holds. */
  readonly localDims: readonly Dim[];
  readonly sharding: Sharding;
}

/** Every parameter leaf and result leaf of a program, with its dims, local dims and sharding. */
export function leavesJson(program: CompiledProgram): LeafJson[] {
  const meta = programMeta(program.lowered);
  const leaf = (role: LeafJson["role"]) => (entry: ReturnType<typeof metaLeaves>[number]): LeafJson =>
    ({ path: entry.path, role, dims: entry.leaf.dims, localDims: localDimsOf(entry.leaf, meta.mesh), sharding: entry.leaf.sharding });
  return [...meta.params.flatMap((param) => metaLeaves(param.tree, param.name).map(leaf("param"))), ...metaLeaves(meta.result, "result").map(leaf("result"))];
}

/** The pictures of every program, as text. */
export function shardingText(programs: readonly CompiledProgram[], color: boolean): string {
  return programs.map((program) => drawProgramSharding(programMeta(program.lowered), { color })).join("\n");
}

/** Write DIR/<program>.svg for each program; the files written, or the diagnostic of the one that could not be. */
export function writeShardingSvgs(programs: readonly CompiledProgram[], dir: string): { written: string[] } | { failure: Diagnostic } {
  const written: string[] = [];
  for (const program of programs) {
    const file = path.join(dir, `${program.name}.svg`);
    try {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(file, programShardingSvg(programMeta(program.lowered)));
    } catch (error) {
      return { failure: diagnostic(cliMessages.cannotWrite, { file, reason: error instanceof Error ? error.message : String(error) }) };
    }
    written.push(file);
  }
  return { written };
}
