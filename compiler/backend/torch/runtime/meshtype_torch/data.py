"""Token data for `--train`: a flat file of token ids, memory-mapped, each rank reading only its block.

The file is a `.npy` of integers (any integer dtype), or a raw `.bin` of `--data-dtype` (uint16 by default,
as nanoGPT writes them). Step s of a global batch of B sequences of S tokens uses the sequences
s*B .. s*B + B - 1 (wrapping around the file): sequence j is the tokens j*S .. j*S + S, its inputs the
first S and its targets the S after the first. A rank reads the rows and columns of the input and
target leaves that its sharding gives it (`local_region`), so under data parallelism each rank reads its
own sequences only.
"""
import os
from typing import Any, Dict, List, Tuple

import numpy as np
import torch

from .mesh import MeshShape
from .shard import local_region

Meta = Dict[str, Any]


class TokenData:
    """A memory-mapped file of token ids."""

    def __init__(self, file: str, dtype: str = "uint16"):
        if not os.path.isfile(file):
            raise FileNotFoundError(f"--data {file}: no such file. Give a .npy of token ids or a raw .bin of {dtype} ids.")
        if file.endswith(".npy"):
            self.tokens = np.load(file, mmap_mode="r")
        else:
            self.tokens = np.memmap(file, dtype=np.dtype(dtype), mode="r")
        if self.tokens.ndim != 1 or not np.issubdtype(self.tokens.dtype, np.integer):
            raise ValueError(f"--data {file}: holds {self.tokens.dtype} of shape {self.tokens.shape}; it must be one flat array of integer token ids.")
        self.file = file

    def sequences(self, length: int) -> int:
        """How many whole sequences of `length` + 1 tokens (inputs and their shifted targets) the file holds."""
        return (len(self.tokens) - 1) // length

    def block(self, step: int, leaf: Meta, shape: MeshShape, coords: Dict[str, int], shift: int, device: torch.device) -> torch.Tensor:
        """This rank's block of the `[batch seq]` leaf at `step`: token j*S + t + shift of each sequence j (shift 1: the targets)."""
        if len(leaf["dims"]) != 2:
            raise ValueError(f"--train: a data leaf must have dims [batch seq], not {[dim['name'] for dim in leaf['dims']]}")
        batch, seq = (dim["size"] for dim in leaf["dims"])
        available = self.sequences(seq)
        if available < 1:
            raise ValueError(f"--data {self.file}: {len(self.tokens)} tokens are fewer than one sequence of {seq} + 1.")
        (row_start, row_stop), (col_start, col_stop) = local_region(shape, leaf, coords, "data")
        rows: List[np.ndarray] = []
        for row in range(row_start, row_stop):
            sequence = (step * batch + row) % available
            start = sequence * seq + shift + col_start
            rows.append(np.asarray(self.tokens[start : start + (col_stop - col_start)], dtype=np.int64))
        return torch.from_numpy(np.stack(rows).astype(np.float32)).to(device)


def data_leaves(meta: Meta, inputs: str, targets: str) -> Tuple[int, int]:
    """The positions of the `inputs` and `targets` params of a program (e.g. "ids", "targets"), with a clear error when missing."""
    names = [param["name"] for param in meta["params"]]
    missing = [name for name in (inputs, targets) if name not in names]
    if missing:
        raise SystemExit(f"meshtype_torch --train: the program has no param {', '.join(repr(name) for name in missing)} (its params: {', '.join(names)}). "
                         f"Name the token inputs and targets with --data-inputs and --data-targets.")
    return names.index(inputs), names.index(targets)
