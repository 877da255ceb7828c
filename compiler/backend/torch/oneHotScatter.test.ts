/**
 * A cross-entropy's backward without a one-hot over the vocabulary:
 * `x + oneHot(targets) ⊙ c` (c a tensor of one value, or of the targets'
 * dims) is one `mt.scatter_into` of c into x, and `oneHot(targets) ⊙ w` read
 * as it is an `mt.scatter` of w into zeros, on the vocabulary replicated
 * (offset 0) and split over a model axis (each rank's block of the ids, ids
 * past the vocabulary included). Emitted text, and a run on 4 gloo processes
 * against the eager TypeScript result.
 */
import { beforeAll, expect, test } from "vitest";
import type { Dim } from "../../../dsl/tensor.ts";
import { ProgramBuilder } from "../../ir/builder.ts";
import type { MeshAxis } from "../../../dsl/mesh.ts";
import type { Program } from "../../ir/ir.ts";
import { compareRanks } from "../../testing/torch/compareRanks.ts";
import { runTorchPrograms, type TorchRun } from "../../testing/torch/runTorch.ts";
import { mesh2x2, mesh4, prepareCase, type TorchTestCase } from "../../testing/torch/torchCases.ts";
import { describeWithTorch } from "../../testing/torch/torchGuard.ts";
import { emitTorchModule } from "./emitTorchModule.ts";

const d = (name: string, size: number): Dim => ({ name, size });
const vocab = d("vocab", 6);

/** Logits [batch=4 seq=2 vocab=6], targets [batch seq] (ids in [0, 7): 6 lies past the vocabulary), weights w [batch seq] and u [seq]. */
function scatterProgram(name: string, mesh: readonly MeshAxis[], layoutSpec: string): Program {
  const b = new ProgramBuilder({ name, mesh, layoutSpec });
  const logits = b.param("logits", [d("batch", 4), d("seq", 2), vocab]);
  const targets = b.param("targets", [d("batch", 4), d("seq", 2)]);
  const w = b.param("w", [d("batch", 4), d("seq", 2)]);
  const u = b.param("u", [d("seq", 2)]);
  const hot = b.add({ op: "oneHot", dim: vocab }, [targets], { hint: "hot" });
  const out = ["batch", "seq", "vocab"];
  // the softmax's part (logits * 0.5) plus the picked logits' cotangent -0.25 at the targets
  const softmaxPart = b.add({ op: "binary", fn: "mul", scalar: { value: 0.5, position: 1 } }, [logits], { hint: "softmaxPart" });
  const cotangent = b.add({ op: "full", value: -0.25 }, [], { dims: [] });
  const picked = b.add({ op: "einsum" }, [hot, cotangent], { out, hint: "pickedVjp" });
  const grad = b.add({ op: "binary", fn: "add" }, [softmaxPart, picked], { hint: "grad" });
  // a cotangent per token, added on the left; and one per position, read as it is
  const weighted = b.add({ op: "binary", fn: "add" }, [b.add({ op: "einsum" }, [w, hot], { out, hint: "perToken" }), logits], { hint: "weighted" });
  const alone = b.add({ op: "einsum" }, [hot, u], { out, hint: "alone" });
  b.setResult({ kind: "array", items: [grad, weighted, alone].map((value) => ({ kind: "tensor", value })) });
  return b.finish();
}

const replicated = scatterProgram("scatter_replicated", mesh4, "batch:data");
const split = scatterProgram("scatter_split", mesh2x2, "batch:data, vocab:model");

describeWithTorch("one-hot scatters on 4 gloo processes", () => {
  const cases = new Map<string, TorchTestCase>();
  let run: TorchRun;

  beforeAll(async () => {
    for (const global of [replicated, split]) cases.set(global.name, await prepareCase({ name: global.name, global, integers: { targets: 7 } }));
    run = await runTorchPrograms([...cases.values()]);
  }, 300_000);

  const body = (name: string): string => {
    const testCase = cases.get(name);
    if (!testCase) throw new Error(`no case ${name}`);
    const text = emitTorchModule([testCase.program], "scatter.ts");
    return text.slice(text.indexOf(`def ${name}(`), text.indexOf(`${name}_meta =`));
  };

  test.each([
    ["scatter_replicated", "0", 6],
    ["scatter_split", 'mesh.coords["model"] * 3', 3],
  ])("%s: x + oneHot(targets) ⊙ c is one scatter_into of c into x at this rank's block (first id %s), oneHot ⊙ u a scatter: no one-hot", (name, offset, size) => {
    const text = body(name);
    expect(text).toContain(`grad = mt.scatter_into(softmaxPart, 2, targets, -0.25, ${offset}, 6)`);
    expect(text).toContain(`weighted = mt.scatter_into(logits, 2, targets, w, ${offset}, 6)`);
    expect(text).toContain(`alone = mt.scatter(u[None, :], 2, targets, ${offset}, ${size}, 6)`);
    expect(text).not.toMatch(/mt\.one_hot|torch\.arange|pickedVjp =|perToken =|torch\.full/);
  });

  test.each(["scatter_replicated", "scatter_split"])("%s: every rank holds its shard of the eager result", (name) => {
    const testCase = cases.get(name);
    const ranks = run.ranks.get(name);
    if (!testCase || !ranks) throw new Error(`no torch result for ${name}`);
    expect(compareRanks(testCase.program, ranks, testCase.expected).problems).toEqual([]);
  });
});
