import { describe, expect, it } from "vitest";
import type { MeshAxis } from "../../../dsl/mesh.ts";
import { ProgramBuilder } from "../../ir/builder.ts";
import { compileProgram } from "../../passes/pipeline.ts";
import { fixtureLoc as at } from "../../testing/fixtures.ts";
import { fusedOps } from "../../testing/fusedPrograms.ts";
import { emitTorchModule } from "./emitTorchModule.ts";

// The fused ops in the generated Python (torchRun.test.ts runs them against eager): each one of torch's kernels.
const mesh2x2: readonly MeshAxis[] = [{ name: "data", size: 2 }, { name: "model", size: 2 }];
const emitted = (layout: string): string[] => emitTorchModule([compileProgram(fusedOps.build(mesh2x2, layout))], "fusedOps.ts").split("\n").map((line) => line.replace(/\s+#.*$/, "").trim());

describe("torch emission of the fused ops", () => {
  const lines = emitted("batch:data, d_ff:model");

  it("normalize is native_layer_norm with no weight or bias, its dim moved last when it is not last", () => {
    expect(lines).toContain("normalized = torch.native_layer_norm(x, [4], None, None, 0.00001)[0]");
    expect(lines).toContain("alongSeq = torch.native_layer_norm(x.movedim(1, -1), [4], None, None, 0.1)[0].movedim(-1, 1)");
  });

  it("normalizeGrad is native_layer_norm_backward for dx only, mean and rstd from native_layer_norm, g permuted to x's order", () => {
    expect(lines).toContain(
      "dx = torch.ops.aten.native_layer_norm_backward(g.permute(1, 0, 2), x, [4], *torch.native_layer_norm(x, [4], None, None, 0.00001)[1:], None, None, [True, False, False])[0]",
    );
  });

  it("unaryGrad gelu is gelu_backward with the tanh approximation (the forward's), g permuted to x's order", () => {
    expect(lines).toContain('dh = torch.ops.aten.gelu_backward(gh.permute(1, 0), h, approximate="tanh")');
  });

  it("softmaxGrad is torch's softmax backward kernel (log: the log-softmax one) along the dim's position, g permuted", () => {
    expect(lines).toContain("dLogits = torch._softmax_backward_data(gl.permute(1, 0), probs, 0, torch.float32)");
    expect(lines).toContain("dLog = torch._log_softmax_backward_data(gl.permute(1, 0), logProbs, 0, torch.float32)");
  });

  it("a split d_model decomposes normalize and normalizeGrad into sums all-reduced over model; the norm over whole seq stays fused", () => {
    const split = emitted("d_model:model, batch:data");
    expect(split.filter((line) => line.includes("native_layer_norm_backward"))).toEqual([]);
    expect(split.filter((line) => line.includes("torch.native_layer_norm(")).map((line) => line.split(" = ")[0])).toEqual(["alongSeq"]);
    expect(split.filter((line) => line.includes('mesh.all_reduce(') && line.includes('"model", "sum"'))).toHaveLength(4);
  });

  it("in a bfloat16 program the norm and its backward compute in float32 from a float32 copy, as the composed norms did", () => {
    const builder = new ProgramBuilder({ name: "bf16Norm", mesh: mesh2x2, layoutSpec: "batch:data", loc: at(1), dtype: "bf16" });
    const dims = (entries: Record<string, number>) => Object.entries(entries).map(([name, size]) => ({ name, size }));
    const x = builder.param("x", dims({ batch: 2, d_in: 4 }), at(2));
    const w = builder.param("w", dims({ d_in: 4, d_model: 4 }), at(2));
    const h = builder.add({ op: "einsum" }, [x, w], { out: ["batch", "d_model"], hint: "h", loc: at(3) });
    const normalized = builder.add({ op: "normalize", dim: "d_model", epsilon: 1e-5 }, [h], { hint: "normalized", loc: at(4) });
    builder.setResult(builder.add({ op: "normalizeGrad", dim: "d_model", epsilon: 1e-5 }, [h, normalized], { hint: "dx", loc: at(5) }));
    const text = emitTorchModule([compileProgram(builder.finish())], "bf16Norm.ts").split("\n").map((line) => line.replace(/\s+#.*$/, "").trim());
    expect(text).toContain("h = torch.mm(x_bf16, w_bf16)");
    expect(text).toContain("h_f32 = h.to(torch.float32)");
    expect(text).toContain("normalized = torch.native_layer_norm(h_f32, [4], None, None, 0.00001)[0]");
    expect(text.some((line) => line.startsWith("dx = torch.ops.aten.native_layer_norm_backward(normalized, h_f32,"))).toBe(true);
  });
});
