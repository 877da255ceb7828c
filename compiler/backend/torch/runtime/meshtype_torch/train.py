"""`--train`: run a compiled training step in a loop over a file of token ids.

A training step is a program whose result has a field for some of its params (the step of
examples/train/gptTrain.ts takes `params, state, ids, targets` and returns `{params, state, loss}`):
those params are carried from step to step (resharded when the result's sharding differs), the token
params (`--data-inputs`, `--data-targets`, default `ids` and `targets`) come from `--data` (data.py),
and the `loss` field is logged. Rank 0 prints one line per step

    meshtype_torch: gptTrainData step 12 loss 3.123456 (41.2 ms, 777 tokens/s)

and with `--log FILE` appends the same as one JSON object per line. `--save DIR --save-every K` writes
a sharded checkpoint of the carried params every K steps and after the last one (checkpoint.py);
`--load DIR` starts from the latest checkpoint in DIR (saved under any mesh and layout) at its step.
"""
import argparse
import json
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

import torch

from . import checkpoint
from .data import TokenData, data_leaves
from .mesh import MeshContext
from .shard import init_shard, load_shard, map_leaves, save_leaves

Meta = Dict[str, Any]
Program = Tuple[Callable[..., Any], Meta]


def leaf_items(tree: Meta, value: Any, path: str) -> List[Tuple[str, Meta, Any]]:
    """(path, meta leaf, tensor) for every leaf of a meta tree and the matching value tree."""
    if tree["kind"] == "tensor":
        return [(path, tree, value)]
    if tree["kind"] == "array":
        return [entry for index, item in enumerate(tree["items"]) for entry in leaf_items(item, value[index], f"{path}.{index}")]
    return [entry for field, item in tree["fields"].items() for entry in leaf_items(item, value[field], f"{path}.{field}")]


def replace_leaves(tree: Meta, value: Any, make: Callable[[Meta, Any], Any]) -> Any:
    if tree["kind"] == "tensor":
        return make(tree, value)
    if tree["kind"] == "array":
        return [replace_leaves(item, value[index], make) for index, item in enumerate(tree["items"])]
    return {field: replace_leaves(item, value[field], make) for field, item in tree["fields"].items()}


def reshard(mesh: MeshContext, tensor: torch.Tensor, source: Meta, target: Meta) -> torch.Tensor:
    """`tensor`, this rank's block of a leaf sharded as `source`, as its block under `target` (all-gathers, then local slices)."""
    names = [dim["name"] for dim in source["dims"]]
    before, after = source["sharding"], target["sharding"]
    axes = mesh.shape.names
    for axis in reversed(axes):
        state = before.get(axis, {"kind": "replicated"})
        if state["kind"] == "split" and after.get(axis, {"kind": "replicated"}) != state:
            tensor = mesh.all_gather(tensor, axis, dim=names.index(state["dim"]))
    for axis in axes:
        state = after.get(axis, {"kind": "replicated"})
        if state["kind"] == "split" and before.get(axis, {"kind": "replicated"}) != state:
            tensor = mesh.local_slice(tensor, axis, dim=names.index(state["dim"])).contiguous()
    return tensor


def train_program(name: str, program: Program, args: argparse.Namespace, device: torch.device) -> Optional[List[str]]:
    """Run `args.steps` training steps of `program` on this rank (see the module docstring); returns the files written with --outputs."""
    function, meta = program
    mesh = MeshContext(meta["mesh"], device=device)
    params = meta["params"]
    names = [param["name"] for param in params]
    result = meta["result"]
    if result["kind"] != "object" or args.loss not in result["fields"]:
        raise SystemExit(f'meshtype_torch --train: program "{name}" returns no "{args.loss}" field to log; a training step returns e.g. '
                         "{ params, state, loss } (name the loss field with --loss).")
    carried = [param_name for param_name in names if param_name in result["fields"]]
    if not carried:
        raise SystemExit(f'meshtype_torch --train: program "{name}" returns none of its params ({", ".join(names)}), so nothing carries from one step '
                         "to the next; a training step returns its new params (and optimizer state) under the params' names.")
    inputs_at, targets_at = data_leaves(meta, args.data_inputs, args.data_targets)
    data = TokenData(args.data, args.data_dtype)
    start = 0
    folder = None
    if args.load is not None:
        folder = checkpoint.latest(args.load)
        index = checkpoint.read_index(folder)
        start = int(index["step"])
    headers: Dict[str, Any] = {}

    def initial(param: Meta, position: int) -> Any:
        def leaf(path: str, leaf_meta: Meta) -> torch.Tensor:
            if position in (inputs_at, targets_at):
                return torch.zeros(())
            if folder is not None and param["name"] in carried:
                return checkpoint.load_leaf(folder, index, path, leaf_meta, mesh.shape, mesh.coords, device, headers)
            if args.inputs is not None:
                return load_shard(args.inputs, path, leaf_meta, mesh.shape, mesh.coords, device)
            return init_shard(args.init_seed, path, leaf_meta, mesh.shape, mesh.coords, device)

        return map_leaves(param["tree"], param["name"], leaf)

    values = [initial(param, position) for position, param in enumerate(params)]
    batch, seq = (dim["size"] for dim in params[inputs_at]["tree"]["dims"])
    log = open(args.log, "a") if args.log is not None and mesh.rank == 0 else None
    outputs = None
    last_saved = None
    try:
        for step in range(start, start + args.steps):
            values[inputs_at] = data.block(step, params[inputs_at]["tree"], mesh.shape, mesh.coords, 0, device)
            values[targets_at] = data.block(step, params[targets_at]["tree"], mesh.shape, mesh.coords, 1, device)
            began = time.perf_counter()
            with torch.no_grad():
                out = function(mesh, *values)
            loss = float(out[args.loss].to(torch.float32).item())
            elapsed = time.perf_counter() - began
            for param_name in carried:
                position = names.index(param_name)
                values[position] = replace_leaves(params[position]["tree"], _pair(result["fields"][param_name], out[param_name]),
                                                  lambda target, pair: reshard(mesh, pair[1], pair[0], target))
            if mesh.rank == 0:
                rate = batch * seq / elapsed if elapsed > 0 else float("inf")
                print(f"meshtype_torch: {name} step {step + 1} loss {loss:.6f} ({elapsed * 1000:.1f} ms, {rate:.0f} tokens/s)", flush=True)
                if log is not None:
                    log.write(json.dumps({"program": name, "step": step + 1, "loss": loss, "ms": elapsed * 1000, "tokens_per_s": rate}) + "\n")
                    log.flush()
            done = step + 1
            if args.save is not None and args.save_every and done % args.save_every == 0:
                save(args.save, done, name, mesh, params, values, carried)
                last_saved = done
            if done == start + args.steps and args.outputs is not None:
                outputs = save_leaves(f"{args.outputs}/{name}", out, "result", mesh.rank)
        if args.save is not None and last_saved != start + args.steps:
            save(args.save, start + args.steps, name, mesh, params, values, carried)
    finally:
        if log is not None:
            log.close()
    return outputs


def _pair(tree: Meta, value: Any) -> Any:
    """The value tree with each leaf as (its meta leaf, the tensor), for `replace_leaves`."""
    return replace_leaves(tree, value, lambda leaf, tensor: (leaf, tensor))


def save(folder: str, step: int, name: str, mesh: MeshContext, params: List[Meta], values: List[Any], carried: List[str]) -> str:
    """A checkpoint of the carried params at `step` (collective)."""
    leaves: Dict[str, Tuple[Meta, torch.Tensor]] = {}
    for position, param in enumerate(params):
        if param["name"] not in carried:
            continue
        for path, leaf, tensor in leaf_items(param["tree"], values[position], param["name"]):
            leaves[path] = (leaf, tensor)
    written = checkpoint.save(folder, step, name, mesh.shape, mesh.rank, leaves)
    if mesh.rank == 0:
        print(f"meshtype_torch: {name} saved step {step} to {written}", flush=True)
    return written


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `--train` (see the module docstring)."""
    group = parser.add_argument_group("training (--train)")
    group.add_argument("--train", action="store_true", help="run --steps training steps of the program over --data, carrying its params from step to step")
    group.add_argument("--data", help="token ids: a .npy of integers, or a raw .bin of --data-dtype")
    group.add_argument("--data-dtype", default="uint16", choices=["uint16", "int32", "int64"], help="the dtype of a .bin --data file (default uint16)")
    group.add_argument("--data-inputs", default="ids", help="the param that takes the input tokens (default ids)")
    group.add_argument("--data-targets", default="targets", help="the param that takes the next tokens (default targets)")
    group.add_argument("--loss", default="loss", help="the result field logged each step (default loss)")
    group.add_argument("--save", help="folder for sharded checkpoints (step_<n>/index.json + rank<r>.safetensors)")
    group.add_argument("--save-every", type=int, default=0, help="save every K steps (and after the last)")
    group.add_argument("--load", help="start from the latest checkpoint in this folder (any mesh or layout), at its step")
    group.add_argument("--log", help="append one JSON line per step (program, step, loss, ms, tokens_per_s) to this file (rank 0)")


def check_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if not args.train:
        for option in ("data", "save", "load", "log"):
            if getattr(args, option) is not None:
                parser.error(f"--{option} is for training: add --train")
        return
    if args.data is None:
        parser.error("--train needs --data FILE (token ids: .npy or .bin)")
    if args.program is None or len(args.program) != 1:
        parser.error("--train runs one program: give exactly one --program NAME")
    if args.inputs is None and args.init_seed is None and args.load is None:
        parser.error("--train needs the first params: --init-seed S, --inputs DIR or --load DIR")


__all__ = ["add_arguments", "check_arguments", "reshard", "train_program"]
