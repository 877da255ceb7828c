"""Sharded checkpoints: every rank writes the blocks it owns, rank 0 an index; any mesh and layout can load them.

    DIR/step_000025/index.json          {"format": "meshtype-checkpoint", "version": 1, "step": 25, "program": ..., "mesh": {...},
                                          "leaves": {path: {"dims": [...], "sharding": {...}, "blocks": [{"file": "rank0.safetensors",
                                          "region": [[begin, end], ...]}, ...]}}}
    DIR/step_000025/rank<r>.safetensors the blocks rank r owns, one tensor per leaf path (safetensors.py)

A block a rank holds as one of several replicas (a replicated axis) is written once, by the replica at
coordinate 0 of those axes, so the blocks of a leaf partition its global tensor. Loading computes the block
each rank needs under its own program's sharding (which may be another mesh or layout than the one saved),
and copies the overlap with every saved block out of the files (memory-mapped: only those bytes are read).
The index is written last, so a folder with an index is a complete checkpoint.
"""
import json
import os
from typing import Any, Dict, List, Optional, Tuple

import torch
import torch.distributed as dist

from . import safetensors
from .mesh import MeshShape
from .shard import describe_dims, local_region

Meta = Dict[str, Any]
Region = List[Tuple[int, int]]

FORMAT = "meshtype-checkpoint"


def step_folder(folder: str, step: int) -> str:
    """Where the checkpoint of `step` goes under `folder`."""
    return os.path.join(folder, f"step_{step:06d}")


def _owns(shape: MeshShape, leaf: Meta, coords: Dict[str, int]) -> bool:
    """Whether the device at `coords` writes its block of `leaf`: it is replica 0 on every axis that does not split it."""
    return all(coords[axis] == 0 for axis in shape.names if leaf["sharding"].get(axis, {"kind": "replicated"})["kind"] != "split")


def save(folder: str, step: int, program: str, shape: MeshShape, rank: int, leaves: Dict[str, Tuple[Meta, torch.Tensor]]) -> str:
    """Write this rank's blocks of `leaves` (path -> (meta leaf, local tensor)) as checkpoint `step`; returns its folder. Collective."""
    target = step_folder(folder, step)
    os.makedirs(target, exist_ok=True)
    coords = shape.coords(rank)
    own = {path: tensor for path, (leaf, tensor) in leaves.items() if _owns(shape, leaf, coords)}
    safetensors.write(os.path.join(target, f"rank{rank}.safetensors"), own, {"format": FORMAT, "step": str(step)})
    dist.barrier()
    if rank == 0:
        index: Dict[str, Any] = {"format": FORMAT, "version": 1, "step": step, "program": program, "mesh": shape.axes, "leaves": {}}
        for path, (leaf, _) in leaves.items():
            blocks = []
            for device in range(shape.device_count):
                device_coords = shape.coords(device)
                if _owns(shape, leaf, device_coords):
                    blocks.append({"file": f"rank{device}.safetensors", "region": local_region(shape, leaf, device_coords, path)})
            index["leaves"][path] = {"dims": leaf["dims"], "sharding": leaf["sharding"], "blocks": blocks}
        temporary = os.path.join(target, "index.json.partial")
        with open(temporary, "w") as out:
            out.write(_index_text(index))
        os.replace(temporary, os.path.join(target, "index.json"))
    dist.barrier()
    return target


def _index_text(index: Dict[str, Any]) -> str:
    """The index as JSON with one leaf per line (readable, and small for a model of many layers)."""
    head = {key: value for key, value in index.items() if key != "leaves"}
    lines = [json.dumps(path) + ": " + json.dumps(leaf, separators=(",", ":")) for path, leaf in index["leaves"].items()]
    return json.dumps(head)[:-1] + ', "leaves": {\n' + ",\n".join(lines) + "\n}}\n"


def latest(folder: str) -> str:
    """The checkpoint in `folder`: the folder itself when it has an index, else its last complete `step_*` folder."""
    if os.path.isfile(os.path.join(folder, "index.json")):
        return folder
    steps = sorted(name for name in os.listdir(folder) if name.startswith("step_") and os.path.isfile(os.path.join(folder, name, "index.json"))) if os.path.isdir(folder) else []
    if not steps:
        raise FileNotFoundError(f"--load {folder}: no checkpoint there (no index.json, and no step_* folder with one). Save one with --save {folder}.")
    return os.path.join(folder, steps[-1])


def read_index(folder: str) -> Dict[str, Any]:
    with open(os.path.join(folder, "index.json")) as source:
        index = json.load(source)
    if index.get("format") != FORMAT:
        raise ValueError(f"{folder}/index.json is not a meshtype checkpoint (format {index.get('format')!r})")
    return index


def load_leaf(folder: str, index: Dict[str, Any], path: str, leaf: Meta, shape: MeshShape, coords: Dict[str, int], device: torch.device,
              headers: Optional[Dict[str, Tuple[Dict[str, dict], int]]] = None) -> torch.Tensor:
    """This rank's block of leaf `path` under `leaf`'s sharding, copied out of the saved blocks it overlaps."""
    saved = index["leaves"].get(path)
    if saved is None:
        raise KeyError(f'checkpoint {folder} has no "{path}" {describe_dims(leaf)}; it was saved by program "{index.get("program")}".')
    if [(dim["name"], dim["size"]) for dim in saved["dims"]] != [(dim["name"], dim["size"]) for dim in leaf["dims"]]:
        raise ValueError(f'checkpoint {folder}: "{path}" was saved as {describe_dims(saved)}, but this program wants {describe_dims(leaf)}.')
    region = local_region(shape, leaf, coords, f'checkpoint leaf "{path}"')
    out = torch.zeros([stop - start for start, stop in region], dtype=torch.float32)
    covered = 0
    headers = {} if headers is None else headers
    for block in saved["blocks"]:
        overlap = [(max(start, first), min(stop, last)) for (start, stop), (first, last) in zip(region, block["region"])]
        if any(start >= stop for start, stop in overlap):
            continue
        file = os.path.join(folder, block["file"])
        if file not in headers:
            headers[file] = safetensors.header(file)
        entries, data = headers[file]
        within = [(start - first, stop - first) for (start, stop), (first, _) in zip(overlap, block["region"])]
        part = torch.from_numpy(safetensors.read_region(file, path, within, entries, data).astype("float32"))
        target = out
        for axis, ((start, stop), (mine, _)) in enumerate(zip(overlap, region)):
            target = target.narrow(axis, start - mine, stop - start)
        target.copy_(part.reshape(target.shape))
        volume = 1
        for start, stop in overlap:
            volume *= stop - start
        covered += volume
    needed = out.numel()
    if covered != needed:
        raise ValueError(f'checkpoint {folder}: the saved blocks of "{path}" cover {covered} of the {needed} values this rank needs; the checkpoint is incomplete.')
    return out.to(device)
