/**
 * The metadata of a device program that a harness needs to run it: the mesh,
 * every parameter leaf's global dims and sharding (to shard inputs), and the
 * result's (to gather outputs). Emitted beside each program as `<name>Meta`.
 */
import type { MetaTree, ProgramMeta } from "../../../dsl/runtime/programMeta.ts";
import type { Program, ValueTree } from "../../ir/ir.ts";

/** The types of `<name>Meta`, defined by the runtime that reads them (meshtype/runtime). */
export type { MetaTree, ProgramMeta } from "../../../dsl/runtime/programMeta.ts";

function metaTree(program: Program, tree: ValueTree): MetaTree {
  switch (tree.kind) {
    case "tensor": {
      const value = program.values.get(tree.value);
      if (!value?.sharding) throw new Error(`programMeta: %${tree.value} of "${program.name}" is not lowered`);
      return { kind: "tensor", dims: value.dims, sharding: value.sharding };
    }
    case "array":
      return { kind: "array", items: tree.items.map((item) => metaTree(program, item)) };
    case "object": {
      const fields: Record<string, MetaTree> = {};
      for (const field in tree.fields) fields[field] = metaTree(program, tree.fields[field]);
      return { kind: "object", fields };
    }
  }
}

/** The metadata of a lowered program. */
export function programMeta(program: Program): ProgramMeta {
  return {
    name: program.name,
    mesh: Object.fromEntries(program.mesh.map((axis) => [axis.name, axis.size])),
    layout: program.layoutSpec,
    params: program.params.map((param) => ({ name: param.name, tree: metaTree(program, param.tree) })),
    result: metaTree(program, program.result),
  };
}
