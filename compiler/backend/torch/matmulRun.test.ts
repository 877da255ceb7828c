/**
 * The einsums that matmulLowering.ts turns into torch.mm / bmm / matmul on views, and the broadcasts without index
 * views, run for real: one program with a contraction of every kind (a projection, attention's products over batch
 * and heads, a swapped output, a weight gradient whose contracted dims lie in another order, one batch dim, a
 * matrix-vector product, one-operand permutes and sums) and element-wise ops over suffix and non-suffix operands,
 * under layouts that split batch, free and contracted dims (the local dims differ from the global ones), as 4 gloo
 * processes; every rank's result must be its shard of the eager TypeScript result.
 */
import { beforeAll, expect, test } from "vitest";
import type { MeshAxis } from "../../../dsl/mesh.ts";
import { defineFixture, fixtureLoc as at } from "../../testing/fixtures.ts";
import { compareRanks } from "../../testing/torch/compareRanks.ts";
import { runTorchPrograms, type TorchRun } from "../../testing/torch/runTorch.ts";
import { prepareCase, type TorchTestCase } from "../../testing/torch/torchCases.ts";
import { describeWithTorch } from "../../testing/torch/torchGuard.ts";
import { compileProgram } from "../../passes/pipeline.ts";
import { emitTorchModule } from "./emitTorchModule.ts";

const contractions = defineFixture("contractions", { batch: 2, seq: 4, kv_seq: 2, d_model: 4, heads: 2, d_head: 2, d_ff: 6 }, (b, dims) => {
  const einsum = (inputs: number[], out: string, hint: string, line: number): number => b.add({ op: "einsum" }, inputs, { out: out.split(" "), hint, loc: at(line) });
  const x = b.param("x", dims("batch seq d_model"), at(2));
  const w = b.param("w", dims("d_model heads d_head"), at(2));
  const k = b.param("k", dims("batch kv_seq heads d_head"), at(2));
  const v = b.param("v", dims("batch kv_seq heads d_head"), at(2));
  const mask = b.param("mask", dims("seq kv_seq"), at(2));
  const wo = b.param("wo", dims("heads d_head d_model"), at(2));
  const bias = b.param("bias", dims("d_model"), at(2));
  const g = b.param("g", dims("seq batch d_ff"), at(2));
  const c = b.param("c", dims("batch d_model d_ff"), at(2));
  const vec = b.param("vec", dims("d_model"), at(2));
  const proj = einsum([x, w], "batch seq heads d_head", "proj", 3);
  const scores = einsum([proj, k], "batch seq heads kv_seq", "scores", 4);
  const masked = b.add({ op: "binary", fn: "add" }, [scores, mask], { hint: "masked", loc: at(5) });
  const att = einsum([masked, v], "batch seq heads d_head", "att", 6);
  const kvGrad = einsum([masked, proj], "batch kv_seq heads d_head", "kvGrad", 7);
  const out = einsum([att, wo], "batch seq d_model", "out", 8);
  const biased = b.add({ op: "binary", fn: "add" }, [out, bias], { hint: "biased", loc: at(9) });
  const wgrad = einsum([biased, g], "d_model d_ff", "wgrad", 10);
  const batched = einsum([x, c], "batch seq d_ff", "batched", 11);
  const dots = einsum([x, vec], "batch seq", "dots", 12);
  const flipped = einsum([x], "d_model batch seq", "flipped", 13);
  const summed = einsum([x], "d_model batch", "summed", 14);
  const fields = { proj, scores, masked, att, kvGrad, biased, wgrad, batched, dots, flipped, summed };
  return { kind: "object", fields: Object.fromEntries(Object.entries(fields).map(([name, value]) => [name, { kind: "tensor" as const, value }])) };
});

const mesh2x2: readonly MeshAxis[] = [{ name: "data", size: 2 }, { name: "model", size: 2 }];
/** Batch and heads split; the contracted d_model; a free d_ff and the contracted kv_seq; d_head with batch. */
const layouts = ["batch:data, heads:model", "d_model:model, seq:data", "d_ff:model, kv_seq:data", "d_head:model, batch:data"];

describeWithTorch("einsums as matrix products on 4 gloo processes", () => {
  const cases = new Map<string, TorchTestCase>();
  let run: TorchRun;

  beforeAll(async () => {
    for (const [index, layout] of layouts.entries()) {
      const testCase = await prepareCase({ name: `contractions_2x2_${index}`, global: contractions.build(mesh2x2, layout), integers: {} });
      cases.set(testCase.program.name, testCase);
    }
    run = await runTorchPrograms([...cases.values()]);
  }, 300_000);

  test("with every dim whole on a rank, no einsum is left: each is an mm, bmm, matmul, sum or permute", () => {
    const text = emitTorchModule([compileProgram(contractions.build([{ name: "data", size: 1 }], ""))], "contractions.ts");
    expect(text).not.toContain("torch.einsum(");
    for (const form of ["torch.mm(", "torch.bmm(", "torch.matmul(", "torch.sum("]) expect(text).toContain(form);
    // the bias broadcasts as it is; the mask, not a suffix of the scores' dims, keeps its index view
    expect(text).toContain("biased = out + bias ");
    expect(text).toContain("masked = scores + mask[None, :, None, :]");
    // and so under the layouts run below: what they check is the matrix products
    expect(emitTorchModule([...cases.values()].map((item) => item.program), "contractions.ts")).not.toContain("torch.einsum(");
  });

  test.each(layouts.map((layout, index) => [`contractions_2x2_${index}`, layout]))("%s (layout \"%s\"): every rank holds its shard of the eager result", (name) => {
    const testCase = cases.get(name) as TorchTestCase;
    const ranks = run.ranks.get(name);
    if (!ranks) throw new Error(`no torch result for ${name}`);
    expect(compareRanks(testCase.program, ranks, testCase.expected).problems, testCase.title).toEqual([]);
  });
});
