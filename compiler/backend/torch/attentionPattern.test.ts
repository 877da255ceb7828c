/**
 * Attention as one `mt.attention` call: the chain is found in the GPT's
 * forward under every layout (heads split or not), not in its training step
 * (the softmax's output is saved for the backward there), and the runtime's
 * `attention` equals the ops it replaces on torch 1.13 and, through a
 * stand-in with the documented semantics of torch 2's
 * `scaled_dot_product_attention` (softmax(q·kᵀ/√E + mask)·v), on torch 2's
 * path. The generated forward equals eager under torch in
 * torchRun.test.ts (examples/gpt/gpt.ts is among its examples).
 */
import * as path from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { compileFiles, type CompiledProgram } from "../../index.ts";
import { runPythonScript } from "../../testing/torch/pythonScript.ts";
import { describeWithTorch } from "../../testing/torch/torchGuard.ts";
import { attentionChains } from "./attentionPattern.ts";
import { emitTorchModule } from "./emitTorchModule.ts";

const repo = path.resolve(import.meta.dirname, "../../..");
const programs = new Map<string, CompiledProgram>();

beforeAll(() => {
  const result = compileFiles(["examples/gpt/gpt.ts", "examples/train/gptTrain.ts"].map((file) => path.join(repo, file)), { typeCheck: false });
  expect(result.diagnostics).toEqual([]);
  for (const program of result.files.flatMap((file) => file.programs)) programs.set(program.name, program);
}, 120_000);

function lowered(name: string) {
  const program = programs.get(name);
  if (program === undefined) throw new Error(`no program ${name}`);
  return program.lowered;
}

describe("attentionChains", () => {
  test.each(["gptData", "gptMegatron", "gpt2d"])("%s: the block's attention is one chain: q·k, the scale, the causal mask, softmax over kv_seq, ·v", (name) => {
    const chains = [...attentionChains(lowered(name)).values()];
    expect(chains).toHaveLength(1);
    const [chain] = chains;
    expect(chain.ops.map((op) => (op.op === "binary" ? op.fn : op.op))).toEqual(["einsum", "mul", "add", "softmax", "einsum"]);
    expect({ batch: chain.batch, query: chain.query, key: chain.key, head: chain.head, valueDim: chain.valueDim, scale: chain.scale })
      .toEqual({ batch: ["batch", "heads"], query: "seq", key: "kv_seq", head: "d_head", valueDim: "d_head", scale: 0.5 });
    expect(chain.mask).toBeDefined();
  });

  test("the generated forward calls mt.attention once per block and builds no softmax of its own", () => {
    const text = emitTorchModule([lowered("gptMegatron")], "gpt.ts");
    expect(text.match(/= mt\.attention\(/g)).toHaveLength(1);
    expect(text).not.toContain("torch.softmax");
  });

  test.each(["gptTrainData", "gptTrain2d"])("%s: a training step keeps its ops (the backward reads the softmax's output)", (name) => {
    expect(attentionChains(lowered(name)).size).toBe(0);
    expect(emitTorchModule([lowered(name)], "gptTrain.ts")).not.toContain("mt.attention(");
  });
});

const script = `
import importlib, json, math, torch
attention_module = importlib.import_module("meshtype_torch.attention")  # the package exports the function under the same name
torch.manual_seed(0)
q, k, v = torch.randn(2, 3, 5, 4), torch.randn(2, 3, 6, 4), torch.randn(2, 3, 6, 7)
mask = (torch.arange(5)[:, None] >= torch.arange(6)[None, :]).to(torch.float32) * 1e9 - 1e9
def composed(scale, m):
    scores = torch.einsum("bhle,bhse->bhls", q, k) * scale + (0 if m is None else m)
    return torch.einsum("bhls,bhsv->bhlv", torch.softmax(scores, dim=-1), v)
cases = [(0.5, mask[None, None]), (0.125, None), (1 / math.sqrt(4), mask[None, None])]
def worst():
    return max(float((attention_module.attention(q, k, v, m, s) - composed(s, m)).abs().max()) for s, m in cases)
native = attention_module._sdpa is not None
first = worst()
calls = []
if not native:
    # torch 2's path, with a stand-in for what torch 1.13 lacks, by its documented semantics
    def stand_in(q_, k_, v_, attn_mask=None):
        calls.append(tuple(attn_mask.shape) if attn_mask is not None else None)
        scores = q_ @ k_.transpose(-2, -1) / math.sqrt(q_.shape[-1])
        return torch.softmax(scores + (0 if attn_mask is None else attn_mask), dim=-1) @ v_
    torch.nn.functional.scaled_dot_product_attention = stand_in
    importlib.reload(attention_module)
second = worst()
print(json.dumps({"native": native, "first": first, "second": second, "calls": calls}))
`;

describeWithTorch("meshtype_torch.attention", () => {
  test("equals softmax(q·kᵀ·scale + mask)·v, on torch 1.13's ops and on scaled_dot_product_attention's path", async () => {
    const result = JSON.parse(await runPythonScript(script)) as { native: boolean; first: number; second: number; calls: unknown[] };
    expect(result.first).toBeLessThan(1e-5);
    expect(result.second).toBeLessThan(1e-5);
    // on torch 1.13 the second round went through the stand-in, once per case, the mask expanded to [.., L, S]
    if (!result.native) expect(result.calls).toEqual([[2, 3, 5, 6], null, [2, 3, 5, 6]]);
  });
});
