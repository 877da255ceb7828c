/**
 * Enumerate layouts: every assignment of a model's dims to mesh axes (each dim
 * on one axis or replicated), kept when the validate pass accepts it.
 */
import type { MeshAxis } from "../../dsl/mesh.ts";
import { CompileError } from "../diagnostics/diagnostic.ts";
import { validate } from "../passes/validate.ts";
import type { Fixture } from "./fixtures.ts";

/** Every layout string over `dims` and `mesh` (including the empty one), in a stable order. */
export function allLayouts(dims: readonly string[], mesh: readonly MeshAxis[]): string[] {
  let layouts: string[][] = [[]];
  for (const dim of dims) {
    layouts = layouts.flatMap((rules) => [rules, ...mesh.map((axis) => [...rules, `${dim}:${axis.name}`])]);
  }
  return layouts.map((rules) => rules.join(", "));
}

/** The layouts of `fixture` on `mesh` that pass validation. */
export function validLayouts(fixture: Fixture, mesh: readonly MeshAxis[]): string[] {
  return allLayouts(Object.keys(fixture.sizes), mesh).filter((spec) => {
    try {
      validate(fixture.build(mesh, spec));
      return true;
    } catch (error) {
      if (error instanceof CompileError) return false;
      throw error;
    }
  });
}

/** The meshes every equivalence test runs on: 1, 2, 2x2 and 2x4 devices. */
export const testMeshes: readonly (readonly MeshAxis[])[] = [
  [{ name: "data", size: 1 }],
  [{ name: "data", size: 2 }],
  [{ name: "data", size: 2 }, { name: "model", size: 2 }],
  [{ name: "data", size: 2 }, { name: "model", size: 4 }],
];
