/**
 * The runtime's one-hot contractions (runtime/meshtype_torch/lookup.py)
 * against the dense one-hot einsums they replace (the scatters of a
 * cross-entropy's backward too, into zeros and into a tensor), on a block of a vocabulary
 * of 10 split in 3 blocks of 4 (the last one padded) with ids outside the
 * vocabulary; and `--compile` on a torch without torch.compile (refused), and
 * through a stand-in torch.compile there (torch 2's path: every program
 * passed through it once, its meta kept). One Python process. Needs Python with torch (torchEnv.ts).
 */
import { expect, test } from "vitest";
import { runPythonScript } from "../../testing/torch/pythonScript.ts";
import { describeWithTorch } from "../../testing/torch/torchGuard.ts";

const script = `
import json, torch
from meshtype_torch.lookup import lookup, one_hot, pick, scatter, scatter_add, scatter_into
from meshtype_torch.launch import compiled_programs
torch.manual_seed(0)
ids = torch.tensor([[0., 3., 9., 4.], [10., -1., 7., 8.]])  # 10 and -1 lie outside the vocab of 10
worst = 0.0
# a block wholly past the vocabulary (padding of an uneven split) holds no id
empty = [pick(torch.randn(2, 4, 4), 2, ids, 12, 10), scatter(torch.ones(2, 4), 2, ids, 12, 4, 10)]
empty_ok = all(float(t.abs().max()) == 0.0 for t in empty)
for block in range(3):
    offset, size, limit = block * 4, 4, 10
    dense = torch.stack([(ids == offset + j) & (ids < limit) for j in range(size)], dim=-1).to(torch.float32)
    table = torch.randn(size, 5)
    logits = torch.randn(2, 4, size)
    dy = torch.randn(2, 4, 5)
    w = torch.randn(2, 4)
    u = torch.randn(4)
    pairs = [
        (lookup(table, 0, ids, offset, limit), torch.einsum("bsv,vm->bsm", dense, table)),
        (lookup(table.t(), 1, ids, offset, limit), torch.einsum("bsv,mv->bsm", dense, table.t())),
        (pick(logits, 2, ids, offset, limit), torch.einsum("bsv,bsv->bs", dense, logits)),
        (scatter_add(dy, ids, offset, size, limit), torch.einsum("bsv,bsm->vm", dense, dy)),
        (one_hot(ids, offset, size, limit, torch.float32), dense),
        (scatter(w, 2, ids, offset, size, limit), dense * w[..., None]),
        (scatter(u[None, :], 2, ids, offset, size, limit), dense * u[None, :, None]),
        (scatter(w.t(), 0, ids.t(), offset, size, limit), (dense * w[..., None]).permute(2, 1, 0)),
        (scatter_into(logits, 2, ids, -0.25, offset, limit), logits + dense * -0.25),
        (scatter_into(logits, 2, ids, w, offset, limit), logits + dense * w[..., None]),
    ]
    for got, want in pairs:
        assert got.shape == want.shape, (got.shape, want.shape)
        worst = max(worst, float((got - want).abs().max()))
try:
    compiled = compiled_programs({"f": (lambda mesh: None, {})})
    refusal = "compiled" if callable(compiled["f"][0]) else "not callable"
except SystemExit as stop:
    refusal = str(stop)
# The torch 2 path, with a stand-in for torch.compile where torch has none: each device function goes through it
# once, its meta stays, and the compiled function is what the launcher calls.
real = getattr(torch, "compile", None)
seen = []
if real is None:
    torch.compile = lambda function: (seen.append(function), lambda *args: ("through compile", function(*args)))[1]
meta = {"mesh": {"data": 1}}
programs = compiled_programs({"f": (lambda mesh: mesh + 1, meta)})
wrapped = {"same meta": programs["f"][1] is meta, "result": list(programs["f"][0](1)) if real is None else programs["f"][0](1), "seen": len(seen)}
if real is None:
    del torch.compile
print(json.dumps({"worst": worst, "empty": empty_ok, "version": torch.__version__, "compile": refusal, "wrapped": wrapped}))
`;

describeWithTorch("meshtype_torch.lookup and --compile", () => {
  test("lookup, pick, scatter_add, scatter, scatter_into and one_hot equal the dense one-hot einsums on every block, ids outside the vocab included; --compile says what it needs", async () => {
    const result = JSON.parse(await runPythonScript(script)) as { worst: number; empty: boolean; version: string; compile: string; wrapped: { "same meta": boolean; result: unknown; seen: number } };
    expect(result.worst).toBeLessThan(1e-6);
    expect(result.empty).toBe(true);
    if (/^1\./.test(result.version)) {
      expect(result.compile).toMatch(/--compile needs torch\.compile, which torch 1\.\S+ lacks \(torch 2\.0 or later\)/);
      // the torch 2 path through a stand-in torch.compile: one call per program, the compiled function runs the program
      expect(result.wrapped).toEqual({ "same meta": true, result: ["through compile", 2], seen: 1 });
    } else {
      expect(result.compile).toBe("compiled");
      expect(result.wrapped).toEqual({ "same meta": true, result: 2, seen: 0 });
    }
  });
});
