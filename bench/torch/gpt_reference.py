"""A hand-written single-process torch GPT: the model of examples/gpt/gpt.ts, written the usual way.

The baseline of the torch bench (bench/torch.ts): the same forward step as the
compiled programs, with the same parameters, in one process, without meshtype.
It reads the global inputs the bench writes (`<dir>/ids.npy`,
`<dir>/params.<path>.npy`, float32), runs `--warmup` untimed and `--steps`
timed forward passes, prints the mean time per step, and writes the logits as
`<outputs>/result.npy` so the bench can check them against the eager
TypeScript result.

    python3 bench/torch/gpt_reference.py --inputs DIR --warmup 5 --steps 20 --outputs OUT

Semantics as in meshtype's stdlib: pre-norm blocks (layer norm over d_model,
epsilon 1e-5), causal attention with scores scaled by 1/sqrt(d_head) and
-1e9 on the future, GELU (tanh approximation), learned positions added to the
token embedding, a final layer norm and an untied unembedding.
"""
import argparse
import math
import os
import time
from typing import Dict, List, Optional

import numpy as np
import torch
import torch.nn.functional as F

EPSILON = 1e-5
MASKED_SCORE = -1e9


def load(folder: str) -> Dict[str, torch.Tensor]:
    """Every `<name>.npy` of `folder` as a float32 tensor, by name."""
    if not os.path.isfile(os.path.join(folder, "ids.npy")):
        raise SystemExit(f"{folder} has no ids.npy: pass the folder the torch bench wrote the GPT inputs to (--inputs).")
    tensors = {}
    for file in sorted(os.listdir(folder)):
        if file.endswith(".npy"):
            tensors[file[: -len(".npy")]] = torch.from_numpy(np.load(os.path.join(folder, file))).float()
    return tensors


def layer_norm(x: torch.Tensor, p: Dict[str, torch.Tensor], prefix: str) -> torch.Tensor:
    return F.layer_norm(x, x.shape[-1:], p[f"{prefix}.scale"], p[f"{prefix}.bias"], EPSILON)


def attention(x: torch.Tensor, p: Dict[str, torch.Tensor], prefix: str) -> torch.Tensor:
    """Causal multi-head self-attention; weights wq/wk/wv [d_model, heads, d_head], wo [heads, d_head, d_model]."""
    batch, seq, d_model = x.shape
    wq, wk, wv, wo = (p[f"{prefix}.{name}"] for name in ("wq", "wk", "wv", "wo"))
    heads, d_head = wq.shape[1], wq.shape[2]
    qkv = x @ torch.cat([wq, wk, wv], dim=1).reshape(d_model, 3 * heads * d_head)
    q, k, v = qkv.reshape(batch, seq, 3, heads, d_head).permute(2, 0, 3, 1, 4)  # each [batch, heads, seq, d_head]
    scores = (q @ k.transpose(-1, -2)) / math.sqrt(d_head)
    future = torch.triu(torch.ones(seq, seq, dtype=torch.bool), diagonal=1)
    weights = torch.softmax(scores.masked_fill(future, MASKED_SCORE), dim=-1)
    context = (weights @ v).transpose(1, 2).reshape(batch, seq, heads * d_head)
    return context @ wo.reshape(heads * d_head, d_model)


def mlp(x: torch.Tensor, p: Dict[str, torch.Tensor], prefix: str) -> torch.Tensor:
    hidden = F.gelu(x @ p[f"{prefix}.up.w"] + p[f"{prefix}.up.b"], approximate="tanh")
    return hidden @ p[f"{prefix}.down.w"] + p[f"{prefix}.down.b"]


def layer_count(p: Dict[str, torch.Tensor]) -> int:
    return len({name.split(".")[2] for name in p if name.startswith("params.layers.")})


def gpt(ids: torch.Tensor, p: Dict[str, torch.Tensor], layers: int) -> torch.Tensor:
    """Token ids [batch, seq] -> logits [batch, seq, vocab]."""
    x = F.embedding(ids, p["params.embedding.table"]) + p["params.positions"]
    for layer in range(layers):
        prefix = f"params.layers.{layer}"
        x = x + attention(layer_norm(x, p, f"{prefix}.attentionNorm"), p, f"{prefix}.attention")
        x = x + mlp(layer_norm(x, p, f"{prefix}.mlpNorm"), p, f"{prefix}.mlp")
    return layer_norm(x, p, "params.finalNorm") @ p["params.unembedding.w"]


def parser(description: str) -> argparse.ArgumentParser:
    """The options both reference scripts take."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--inputs", required=True, help="folder of ids.npy and params.<path>.npy (global, float32)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps first")
    parser.add_argument("--steps", type=int, default=20, help="timed steps (at least 1)")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (default 1, as torchrun gives each process)")
    parser.add_argument("--outputs", help="write the result of the first step here as result[.<path>].npy")
    return parser


def save(folder: str, name: str, tensor: torch.Tensor) -> None:
    os.makedirs(folder, exist_ok=True)
    np.save(os.path.join(folder, f"{name}.npy"), tensor.detach().numpy().astype(np.float32))


def report(script: str, elapsed: float, args: argparse.Namespace) -> None:
    print(f"{script}: {elapsed * 1000 / args.steps:.3f} ms per step (mean of {args.steps} steps after {args.warmup} warm-up, {args.threads} thread(s))", flush=True)


def main(argv: Optional[List[str]] = None) -> None:
    args = parser("Time a hand-written single-process torch GPT forward step.").parse_args(argv)
    torch.set_num_threads(args.threads)
    params = load(args.inputs)
    ids = params.pop("ids").long()
    layers = layer_count(params)
    with torch.no_grad():
        if args.outputs:
            save(args.outputs, "result", gpt(ids, params, layers))
        for _ in range(args.warmup):
            gpt(ids, params, layers)
        start = time.perf_counter()
        for _ in range(args.steps):
            gpt(ids, params, layers)
        elapsed = time.perf_counter() - start
    report("gpt_reference", elapsed, args)


if __name__ == "__main__":
    main()
