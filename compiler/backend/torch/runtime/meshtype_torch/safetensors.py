"""A small reader and writer of the safetensors format (https://github.com/huggingface/safetensors), so a
checkpoint needs no package beyond torch and numpy; files it writes load with `safetensors.torch.load_file`.

    8 bytes   N, the header's length (little-endian unsigned 64-bit)
    N bytes   a JSON object: {name: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, "__metadata__": {...}}
              (offsets into the data that follows, tensors packed in order; padded with spaces to 8 bytes)
    the data  every tensor's bytes, little-endian, C order

`read_region` maps the file and copies out only the block asked for, so a rank loading its shard of a large
checkpoint reads that shard's bytes, not the whole file.
"""
import json
import struct
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

_DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16, "I64": np.int64, "I32": np.int32, "U16": np.uint16}
_NAMES = {np.dtype(value).str: key for key, value in _DTYPES.items()}


def write(file: str, tensors: Dict[str, torch.Tensor], metadata: Optional[Dict[str, str]] = None) -> None:
    """Write `tensors` (float32 or the dtypes above; bf16 is stored as F32) to `file`."""
    arrays = {name: _array(tensor) for name, tensor in tensors.items()}
    header: Dict[str, object] = {}
    offset = 0
    for name, array in arrays.items():
        header[name] = {"dtype": _NAMES[array.dtype.str], "shape": list(array.shape), "data_offsets": [offset, offset + array.nbytes]}
        offset += array.nbytes
    if metadata:
        header["__metadata__"] = dict(metadata)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(file, "wb") as out:
        out.write(struct.pack("<Q", len(text)))
        out.write(text)
        for array in arrays.values():
            out.write(array.tobytes(order="C"))


def _array(tensor: torch.Tensor) -> np.ndarray:
    if tensor.dtype in (torch.bfloat16, torch.float16):
        tensor = tensor.to(torch.float32)
    array = tensor.detach().to("cpu").contiguous().numpy()
    if array.dtype.str not in _NAMES:
        raise ValueError(f"safetensors.write: dtype {array.dtype} is not supported; use float32")
    return array.astype(array.dtype.newbyteorder("<"), copy=False)


def header(file: str) -> Tuple[Dict[str, dict], int]:
    """The header of `file` (name -> dtype, shape, data_offsets) and where its data starts."""
    with open(file, "rb") as source:
        raw = source.read(8)
        if len(raw) != 8:
            raise ValueError(f"{file} is not a safetensors file (shorter than 8 bytes)")
        (length,) = struct.unpack("<Q", raw)
        if length > 100_000_000:
            raise ValueError(f"{file} is not a safetensors file (a header of {length} bytes)")
        entries = json.loads(source.read(length).decode("utf-8"))
    entries.pop("__metadata__", None)
    return entries, 8 + length


def read_region(file: str, name: str, region: Sequence[Tuple[int, int]], entries: Optional[Dict[str, dict]] = None, start: int = 0) -> np.ndarray:
    """The block `region` ([begin, end) per dim, in the stored tensor's own coordinates) of tensor `name` in `file`, as a new array."""
    if entries is None:
        entries, start = header(file)
    entry = entries.get(name)
    if entry is None:
        raise KeyError(f"{file} has no tensor {name!r}; it has {', '.join(sorted(entries)) or 'none'}")
    dtype = np.dtype(_DTYPES[entry["dtype"]]).newbyteorder("<")
    begin, end = entry["data_offsets"]
    shape: List[int] = list(entry["shape"])
    if end - begin == 0:
        return np.zeros([stop - first for first, stop in region], dtype=dtype)
    mapped = np.memmap(file, dtype=dtype, mode="r", offset=start + begin, shape=tuple(shape) if shape else (1,))
    if not shape:
        return np.array(mapped[0], dtype=dtype)
    block = mapped[tuple(slice(first, stop) for first, stop in region)]
    return np.array(block, dtype=dtype, order="C")
