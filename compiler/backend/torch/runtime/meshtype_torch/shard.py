"""Shards of global tensors, by the metadata the compiler emits beside each program.

A leaf of `<program>_meta` is {"kind": "tensor", "dims": [{"name", "size"}], "sharding": {axis: state}}
with global dims. A dim split over several axes is chunked major axis first
(by the states' "order", then mesh order), and a size the axes do not divide
is split unevenly: every shard has ceil(size / devices) entries, the short
ones zero-padded, as in dsl/runtime/shard.ts and padding.ts.
"""
import os
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np
import torch

from .mesh import MeshShape
from .seeded import random_normal, random_uniform

Meta = Dict[str, Any]


def split_axes(shape: MeshShape, sharding: Dict[str, Any], dim: str) -> List[str]:
    """The mesh axes that split `dim`, major first: by their "order" (0 when absent), then in mesh order."""
    found = []
    for index, axis in enumerate(shape.names):
        state = sharding.get(axis, {"kind": "replicated"})
        if state["kind"] == "split" and state["dim"] == dim:
            found.append((state.get("order", 0), index, axis))
    return [axis for _, _, axis in sorted(found)]


def block_of(size: int, axes: List[Tuple[str, int]], coords: Dict[str, int]) -> Tuple[int, int, int]:
    """(offset, local, valid) of the block of a dim of `size` split over `axes` ((name, size), major first) at `coords`.

    Cut level by level (dsl/runtime/padding.ts): blocks of ceil(size / n0), then of ceil(size / (n0 n1)), ...;
    every device holds `local` entries, of which the first `valid` are real (the rest is padding).
    """
    extent, valid, offset = size, size, 0
    for name, parts in axes:
        chunk = -(-extent // parts)
        index = coords.get(name, 0)
        offset += index * chunk
        valid = min(chunk, max(0, valid - index * chunk))
        extent = chunk
    return offset, extent, valid


def _check_states(shape: MeshShape, leaf: Meta, what: str) -> None:
    for axis in shape.names:
        state = leaf["sharding"].get(axis, {"kind": "replicated"})
        if state["kind"] == "partial":
            raise ValueError(f'{what} is partial over mesh axis "{axis}"; only split or replicated values can be sharded or gathered.')


def local_blocks(shape: MeshShape, leaf: Meta, coords: Dict[str, int], what: str) -> List[Tuple[int, int, int]]:
    """(offset, local, valid) of every dim of the global tensor `leaf` on the device at `coords`."""
    _check_states(shape, leaf, what)
    return [block_of(dim["size"], [(axis, shape.axes[axis]) for axis in split_axes(shape, leaf["sharding"], dim["name"])], coords) for dim in leaf["dims"]]


def local_region(shape: MeshShape, leaf: Meta, coords: Dict[str, int], what: str) -> List[Tuple[int, int]]:
    """The [start, stop) of every dim that the device at `coords` holds of the global tensor `leaf` (its real entries)."""
    return [(offset, offset + valid) for offset, _, valid in local_blocks(shape, leaf, coords, what)]


def pad_to(tensor: torch.Tensor, sizes: List[int]) -> torch.Tensor:
    """`tensor` with zeros appended along every dim up to `sizes` (the padding of a short shard); itself when it has them."""
    if list(tensor.shape) == list(sizes):
        return tensor
    out = torch.zeros(sizes, dtype=tensor.dtype, device=tensor.device)
    out[tuple(slice(0, length) for length in tensor.shape)] = tensor
    return out


def take_region(tensor: torch.Tensor, region: List[Tuple[int, int]]) -> torch.Tensor:
    """The block `region` of a global tensor (a copy)."""
    for axis, (start, stop) in enumerate(region):
        tensor = tensor.narrow(axis, start, stop - start)
    return tensor.contiguous().clone()


def map_leaves(tree: Meta, path: str, leaf: Callable[[str, Meta], Any]) -> Any:
    """Build the Python tree (tensor, dict or list) of a meta tree, calling `leaf(path, meta)` on each tensor."""
    if tree["kind"] == "tensor":
        return leaf(path, tree)
    if tree["kind"] == "array":
        return [map_leaves(item, f"{path}.{index}", leaf) for index, item in enumerate(tree["items"])]
    return {field: map_leaves(item, f"{path}.{field}", leaf) for field, item in tree["fields"].items()}


def describe_dims(leaf: Meta) -> str:
    """`[batch=8 d_model=16]`."""
    return "[" + " ".join(f'{dim["name"]}={dim["size"]}' for dim in leaf["dims"]) + "]"


def as_float32(array: np.ndarray, what: str, file: str, note: Optional[Callable[[str], None]]) -> np.ndarray:
    """`array` as float32: as it is when it is float32; converted, with a note, when every value is exact in float32
    (smaller floats, float64 that float32 holds exactly, integers up to 2**24, booleans); otherwise a ValueError."""
    if array.dtype == np.float32:
        return array
    kind = array.dtype.kind
    if kind not in "fiub":
        raise ValueError(f"{what}: {file} holds {array.dtype} values; inputs are float32 numbers. Save it with .astype(np.float32).")
    converted = array.astype(np.float32)
    if kind == "f":
        exact = np.array_equal(converted.astype(array.dtype), array, equal_nan=True)
    elif kind in "iu":
        exact = bool(np.all(np.abs(array.astype(np.float64)) <= 2 ** 24)) if array.size > 0 else True
    else:
        exact = True
    if not exact:
        raise ValueError(
            f"{what}: {file} holds {array.dtype} values that float32 cannot represent exactly; the program computes in float32. "
            f"Save the tensor as float32 (.astype(np.float32)) if rounding is what you want."
        )
    if note is not None:
        note(f"meshtype_torch: {what}: {file} is {array.dtype}; converted to float32 (every value is exact in float32).")
    return converted


def load_shard(
    folder: str, path: str, leaf: Meta, shape: MeshShape, coords: Dict[str, int], device: torch.device, note: Optional[Callable[[str], None]] = None
) -> torch.Tensor:
    """This rank's shard of the global tensor in `<folder>/<path>.npy` (float32, C order, the leaf's global dims),
    memory-mapped: only the shard's bytes are read, so a rank of a large model reads its block only.
    Another dtype is converted when the conversion is exact (said through `note`), and refused otherwise."""
    file = os.path.join(folder, f"{path}.npy")
    expected = [dim["size"] for dim in leaf["dims"]]
    if not os.path.exists(file):
        raise FileNotFoundError(f'input "{path}" {describe_dims(leaf)}: no file {file}. Write the global tensor there as a float32 .npy of shape {tuple(expected)}.')
    array = np.load(file, mmap_mode="r")
    if list(array.shape) != expected:
        raise ValueError(f'input "{path}" {describe_dims(leaf)}: {file} has shape {tuple(array.shape)}, not {tuple(expected)}. Save the global tensor in this dim order.')
    blocks = local_blocks(shape, leaf, coords, f'input "{path}"')
    region = [(offset, offset + valid) for offset, _, valid in blocks]
    local = [size for _, size, _ in blocks]
    block = array[tuple(slice(start, stop) for start, stop in region)] if region else array
    # np.array, not np.ascontiguousarray: that one turns a 0-d array (a scalar param such as AdamW's step) into shape (1,).
    values = as_float32(np.array(block, order="C"), f'input "{path}" {describe_dims(leaf)}', file, note)
    # a short shard of an uneven split is zero-padded to the local size
    return pad_to(torch.from_numpy(np.array(values, dtype=np.float32, order="C")), local).to(device)


def init_shard(seed: int, path: str, leaf: Meta, shape: MeshShape, coords: Dict[str, int], device: torch.device) -> torch.Tensor:
    """This rank's shard of a global tensor seeded by (seed, path), created locally, as the leaf's `init` says.

    No init: standard normal values. `{"kind": "integers", "high": n}` (token ids, labels): whole numbers
    in [0, n) from the seeded uniform stream. `{"kind": "zeros"}` (optimizer state: step counts, moments): zeros.
    A short shard of an uneven split is zero-padded to the local size.
    """
    blocks = local_blocks(shape, leaf, coords, f'input "{path}"')
    region = [(offset, offset + valid) for offset, _, valid in blocks]
    local = [size for _, size, _ in blocks]
    sizes = [dim["size"] for dim in leaf["dims"]]
    init = leaf.get("init")
    if init is None:
        return pad_to(random_normal(sizes, seed, path, region=region, device=device), local)
    if init["kind"] == "zeros":
        return torch.zeros(local, dtype=torch.float32, device=device)
    if init["kind"] == "integers":
        uniform = random_uniform(sizes, seed, path, region=region, device=device).to(torch.float64)
        return pad_to(torch.clamp(torch.floor(uniform * init["high"]), max=init["high"] - 1).to(torch.float32), local)
    raise ValueError(f'input "{path}": unknown init {init!r} in the program\'s meta; rebuild the module with this meshtype.')


def save_leaves(folder: str, tree: Any, path: str, rank: int) -> List[str]:
    """Write every tensor of a result tree as `<folder>/<path>.rank<rank>.npy`; returns the files."""
    if isinstance(tree, torch.Tensor):
        os.makedirs(folder, exist_ok=True)
        file = os.path.join(folder, f"{path}.rank{rank}.npy")
        np.save(file, tree.detach().to("cpu", torch.float32).contiguous().numpy())
        return [file]
    items = tree.items() if isinstance(tree, dict) else enumerate(tree)
    return [file for key, item in items for file in save_leaves(folder, item, f"{path}.{key}", rank)]
