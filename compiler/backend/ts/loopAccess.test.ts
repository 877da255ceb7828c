import { describe, expect, it } from "vitest";
import type { MeshAxis } from "../../../dsl/mesh.ts";
import type { Loop, Program } from "../../ir/ir.ts";
import { isLoop } from "../../ir/opAttrs.ts";
import { compileProgram } from "../../passes/pipeline.ts";
import { layerStack, reversedLayers, shuffledLayers } from "../../testing/layerPrograms.ts";
import { leavesReadOnlyByAccesses, loopAccesses } from "./loopAccess.ts";
import { singular } from "./paramTypes.ts";

const mesh: readonly MeshAxis[] = [{ name: "data", size: 2 }, { name: "model", size: 2 }];

function firstLoop(program: Program): Loop {
  const loop = program.body.find(isLoop);
  if (!loop) throw new Error(`${program.name} has no loop`);
  return loop;
}

/** The path of a param leaf, by value id. */
function pathOf(program: Program, id: number): string | undefined {
  for (const statement of program.body) if (!isLoop(statement) && statement.op === "param" && statement.output === id) return statement.path;
  return undefined;
}

describe("loopAccesses", () => {
  it("reads each indexed entry of a loop over params.layers as the array, the index and the path after it", () => {
    const program = compileProgram(layerStack.build(mesh, "batch:data, d_ff:model"));
    const accesses = loopAccesses(program).get(firstLoop(program)) ?? [];
    expect(accesses.map((access) => access && [access.root, access.arrayPath.join("."), access.rest.join(".")])).toEqual([
      ["params", "layers", "norm"],
      ["params", "layers", "mlp.w_in"],
      ["params", "layers", "mlp.w_out"],
    ]);
    const undeclared = [...leavesReadOnlyByAccesses(program, loopAccesses(program))].map((id) => pathOf(program, id)).sort();
    expect(undeclared).toHaveLength(8);
    expect(undeclared).not.toContain("params.layers.0.norm");
    expect(undeclared).toContain("params.layers.1.norm");
  });

  it("gives a reversed access when the items are the array's leaves last to first", () => {
    const program = compileProgram(reversedLayers.build(mesh, "batch:data, d_ff:model"));
    expect(loopAccesses(program).get(firstLoop(program))).toEqual([expect.objectContaining({ root: "layers", arrayPath: [], rest: [], reversed: true })]);
    expect(leavesReadOnlyByAccesses(program, loopAccesses(program)).size).toBe(3);
  });

  it("gives no access when the items are not the array's leaves in index order", () => {
    const program = compileProgram(shuffledLayers.build(mesh, "batch:data, d_ff:model"));
    expect(loopAccesses(program).get(firstLoop(program))).toEqual([undefined]);
    expect(leavesReadOnlyByAccesses(program, loopAccesses(program)).size).toBe(0);
  });
});

describe("singular", () => {
  it("drops a plural s, and adds Item where there is none", () => {
    expect(["layers", "heads", "entries", "bias", "class", "w"].map(singular)).toEqual(["layer", "head", "entry", "biasItem", "classItem", "wItem"]);
  });
});
