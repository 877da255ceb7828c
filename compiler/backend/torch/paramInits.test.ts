/**
 * What `--init-seed` makes of each param leaf of a training step: token ids
 * and labels integers below the vocab, AdamW's state zeros, weights normal.
 */
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, test } from "vitest";
import { compileFiles, type CompiledProgram } from "../../index.ts";
import type { ValueTree } from "../../ir/ir.ts";
import { paramInits, type LeafInit } from "./paramInits.ts";

let programs = new Map<string, CompiledProgram>();
beforeAll(() => {
  const result = compileFiles([fileURLToPath(new URL("../../../examples/train/gptTrain.ts", import.meta.url))], { typeCheck: false });
  programs = new Map(result.files.flatMap((file) => file.programs).map((program) => [program.name, program]));
}, 180_000);

/** `path -> init kind` for every param leaf (`normal` where no init is given). */
function initsByPath(name: string): Map<string, string> {
  const program = programs.get(name)?.lowered;
  if (!program) throw new Error(`no program ${name}`);
  const inits = paramInits(program);
  const out = new Map<string, string>();
  const describe = (init: LeafInit | undefined): string => (init === undefined ? "normal" : init.kind === "zeros" ? "zeros" : `integers<${init.high}`);
  const walk = (tree: ValueTree, path: string): void => {
    if (tree.kind === "tensor") out.set(path, describe(inits.get(tree.value)));
    else if (tree.kind === "array") tree.items.forEach((item, index) => walk(item, `${path}.${index}`));
    else Object.entries(tree.fields).forEach(([field, item]) => walk(item, `${path}.${field}`));
  };
  for (const param of program.params) walk(param.tree, param.name);
  return out;
}

describe("paramInits", () => {
  test.each(["gptTrainData", "gptTrainMegatron", "gptTrain2dSharded"])("%s: ids and targets are integers below the vocab, the AdamW state zeros, the weights normal", (name) => {
    const inits = initsByPath(name);
    expect(inits.get("ids")).toBe("integers<32");
    expect(inits.get("targets")).toBe("integers<32");
    const state = [...inits].filter(([path]) => path.startsWith("state."));
    expect(state.length).toBeGreaterThan(20);
    expect(state.filter(([, kind]) => kind !== "zeros")).toEqual([]);
    const weights = [...inits].filter(([path]) => path.startsWith("params."));
    expect(weights.filter(([, kind]) => kind !== "normal")).toEqual([]);
    expect(inits.get("params.layers.1.attention.wq")).toBe("normal");
  });
});
