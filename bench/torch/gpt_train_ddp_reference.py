"""A hand-written data-parallel torch GPT training step: gpt_train_reference.py under DistributedDataParallel.

The baseline of the torch bench's training rows on 2 and 4 processes: every
rank holds the whole model (gpt_reference.py's GPT as an nn.Module), takes its
block of the global batch (rank r: sequences r*B/n .. (r+1)*B/n - 1), and DDP
averages the gradients over the ranks in buckets, overlapped with the
backward, before `torch.optim.AdamW` (the hyperparameters and starting state
of gpt_train_reference.py). The mean of the ranks' losses is the global loss,
so the result equals the single-process step. Run it under torchrun (gloo):

    torchrun --nproc_per_node 4 --redirects=1 --tee=1 bench/torch/gpt_train_ddp_reference.py --inputs DIR --warmup 2 --steps 10 --outputs OUT

Rank 0 prints the mean time per step (between two barriers) and writes the
loss and the params after the first step, as gpt_train_reference.py does.
"""
import os
import sys
import time
from typing import Dict, List, Optional

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpt_reference import gpt, layer_count, load, parser, report, save  # noqa: E402

LEARNING_RATE = 1e-2


class Gpt(torch.nn.Module):
    """gpt_reference.py's GPT over parameters registered by path ("layers.0.attention.wq" as "layers__0__attention__wq")."""

    def __init__(self, params: Dict[str, torch.Tensor]):
        super().__init__()
        self.paths = [name for name in params]
        self.weights = torch.nn.ParameterDict({name.replace(".", "__"): torch.nn.Parameter(tensor.clone()) for name, tensor in params.items()})
        self.layers = layer_count(params)

    def named(self) -> Dict[str, torch.Tensor]:
        return {name: self.weights[name.replace(".", "__")] for name in self.paths}

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return gpt(ids, self.named(), self.layers)


def main(argv: Optional[List[str]] = None) -> None:
    args = parser("Time a hand-written data-parallel (DDP, gloo) torch GPT training step.").parse_args(argv)
    torch.set_num_threads(args.threads)
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    tensors = load(args.inputs)
    ids = tensors.pop("ids").long()
    targets = tensors.pop("targets").long()
    if ids.shape[0] % world != 0:
        raise SystemExit(f"gpt_train_ddp_reference: a batch of {ids.shape[0]} does not split over {world} processes")
    block = ids.shape[0] // world
    ids, targets = ids[rank * block:(rank + 1) * block], targets[rank * block:(rank + 1) * block]
    model = Gpt({name: tensor for name, tensor in tensors.items() if name.startswith("params.")})
    ddp = DistributedDataParallel(model)
    optimizer = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    for name, param in model.named().items():
        path = name[len("params."):]
        optimizer.state[param] = {"step": tensors["state.step"].clone(), "exp_avg": tensors[f"state.m.{path}"].clone(), "exp_avg_sq": tensors[f"state.v.{path}"].clone()}

    def step() -> torch.Tensor:
        optimizer.zero_grad(set_to_none=True)
        logits = ddp(ids)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
        loss.backward()
        optimizer.step()
        return loss

    loss = step().detach()
    dist.all_reduce(loss)
    if args.outputs and rank == 0:
        save(args.outputs, "result.loss", (loss / world).reshape(()))
        for name, tensor in model.named().items():
            save(args.outputs, f"result.{name}", tensor)
    for _ in range(args.warmup):
        step()
    dist.barrier()
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    dist.barrier()
    elapsed = time.perf_counter() - start
    if rank == 0:
        report(f"gpt_train_ddp_reference ({world} processes)", elapsed, args)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
