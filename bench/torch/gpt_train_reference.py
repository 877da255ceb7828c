"""A hand-written single-process torch GPT training step: examples/train/gptTrain.ts written the usual way.

The baseline of the torch bench's training rows: the loss of gpt_reference.py's
GPT (mean softmax cross-entropy over batch and seq), its gradients by
autograd, and `torch.optim.AdamW` with the hyperparameters of
examples/train/gptTrain.ts (lr 1e-2, betas 0.9/0.999, eps 1e-8, no weight
decay), starting from the optimizer state the compiled step gets
(`state.m.<path>`, `state.v.<path>`, `state.step`). Reads `<dir>/ids.npy`,
`<dir>/targets.npy`, `<dir>/params.<path>.npy` and the state; writes the loss
and the params after the first step as `<outputs>/result.loss.npy` and
`<outputs>/result.params.<path>.npy`.

    python3 bench/torch/gpt_train_reference.py --inputs DIR --warmup 2 --steps 10 --outputs OUT
"""
import time
from typing import List, Optional

import torch
import torch.nn.functional as F

from gpt_reference import gpt, layer_count, load, parser, report, save

LEARNING_RATE = 1e-2


def main(argv: Optional[List[str]] = None) -> None:
    args = parser("Time a hand-written single-process torch GPT training step (forward, backward, AdamW).").parse_args(argv)
    torch.set_num_threads(args.threads)
    tensors = load(args.inputs)
    ids = tensors.pop("ids").long()
    targets = tensors.pop("targets").long()
    params = {name: tensor.requires_grad_() for name, tensor in tensors.items() if name.startswith("params.")}
    layers = layer_count(params)
    optimizer = torch.optim.AdamW(params.values(), lr=LEARNING_RATE, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    for name, param in params.items():
        path = name[len("params."):]
        # torch 1.13's AdamW keeps the step count as a float tensor and creates no state where one is set.
        optimizer.state[param] = {"step": tensors["state.step"].clone(), "exp_avg": tensors[f"state.m.{path}"].clone(), "exp_avg_sq": tensors[f"state.v.{path}"].clone()}

    def step() -> torch.Tensor:
        optimizer.zero_grad(set_to_none=True)
        logits = gpt(ids, params, layers)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
        loss.backward()
        optimizer.step()
        return loss

    loss = step()
    if args.outputs:
        save(args.outputs, "result.loss", loss.reshape(()))
        for name, tensor in params.items():
            save(args.outputs, f"result.{name}", tensor)
    for _ in range(args.warmup):
        step()
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    elapsed = time.perf_counter() - start
    report("gpt_train_reference", elapsed, args)


if __name__ == "__main__":
    main()
