"""The seeded counter-based init of meshtype, ported from dsl/ops/randomBits.ts.

Every value depends only on (seed, name, global row-major index), so each rank
creates its own shard of a global tensor and gets exactly the values the whole
tensor has there. The 32-bit hash is reproduced bit for bit with int64 torch
arithmetic (every product is split in 16-bit halves, so nothing overflows);
uniform values are therefore bit-exact, and normal values (Box-Muller in
float64, rounded to float32) agree with the TypeScript ones to float32 rounding.

    fmix32(h):  h ^= h >> 16; h *= 0x85ebca6b; h ^= h >> 13; h *= 0xc2b2ae35; h ^= h >> 16   (mod 2^32)
    nameHash:   FNV-1a 32 over the UTF-8 bytes of name
    key1:       fmix32(fmix32(seed) ^ nameHash);  key2: fmix32(key1 ^ 0x6a09e667)
    bits(c):    fmix32(fmix32(lo ^ key1) ^ hi ^ key2)   lo = c mod 2^32, hi = c // 2^32
    uniform(c): (bits(c) >> 8) / 2^24
    normal(i):  sqrt(-2 ln(1 - uniform(2i))) * cos(2 pi uniform(2i + 1))
"""
import math
from typing import List, Optional, Sequence, Tuple

import torch

MASK32 = 0xFFFFFFFF


def _fmix32_int(value: int) -> int:
    """fmix32 on a Python int in [0, 2^32)."""
    value &= MASK32
    value ^= value >> 16
    value = (value * 0x85EBCA6B) & MASK32
    value ^= value >> 13
    value = (value * 0xC2B2AE35) & MASK32
    value ^= value >> 16
    return value


def _mul32(values: torch.Tensor, constant: int) -> torch.Tensor:
    """(values * constant) mod 2^32 for int64 values in [0, 2^32), without int64 overflow."""
    low = values * (constant & 0xFFFF)
    high = ((values * (constant >> 16)) & 0xFFFF) << 16
    return (low + high) & MASK32


def _fmix32(values: torch.Tensor) -> torch.Tensor:
    """fmix32 on an int64 tensor of values in [0, 2^32)."""
    values = values ^ (values >> 16)
    values = _mul32(values, 0x85EBCA6B)
    values = values ^ (values >> 13)
    values = _mul32(values, 0xC2B2AE35)
    return values ^ (values >> 16)


def hash_name(name: str) -> int:
    """FNV-1a 32-bit hash of the UTF-8 bytes of name."""
    value = 0x811C9DC5
    for byte in name.encode("utf-8"):
        value = ((value ^ byte) * 0x01000193) & MASK32
    return value


def stream_key(seed: int, name: str) -> Tuple[int, int]:
    """The two keys of the stream (seed, name); seed must be an integer in [0, 2^32)."""
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0 or seed >= 2**32:
        raise ValueError(f'Random init "{name}": seed {seed} is not an integer in [0, 2^32). Pass a whole number such as 0 or 1234.')
    if name == "":
        raise ValueError('Random init needs a non-empty name (the parameter it creates), e.g. seed=0, name="w_in".')
    key1 = _fmix32_int(_fmix32_int(seed) ^ hash_name(name))
    return key1, _fmix32_int(key1 ^ 0x6A09E667)


def random_bits(key: Tuple[int, int], counters: torch.Tensor) -> torch.Tensor:
    """The 32 random bits (as int64 in [0, 2^32)) at each int64 counter of a stream."""
    key1, key2 = key
    low = counters & MASK32
    high = counters >> 32
    return _fmix32(_fmix32(low ^ key1) ^ high ^ key2)


def uniform_at(key: Tuple[int, int], counters: torch.Tensor) -> torch.Tensor:
    """Uniform values in [0, 1) with 24 random bits, as float64."""
    return (random_bits(key, counters) >> 8).to(torch.float64) / 16777216.0


def normal_at(key: Tuple[int, int], indices: torch.Tensor) -> torch.Tensor:
    """Standard normal values (float64): Box-Muller over the counters 2i and 2i + 1."""
    radius = torch.sqrt(-2.0 * torch.log(1.0 - uniform_at(key, 2 * indices)))
    return radius * torch.cos(2.0 * math.pi * uniform_at(key, 2 * indices + 1))


def region_indices(shape: Sequence[int], region: Optional[Sequence[Tuple[int, int]]] = None, device: Optional[torch.device] = None) -> torch.Tensor:
    """The global row-major index (int64) of every element of `region` ([start, stop) per dim) of a tensor of `shape`."""
    bounds: List[Tuple[int, int]] = list(region) if region is not None else [(0, size) for size in shape]
    if len(bounds) != len(shape):
        raise ValueError(f"region {bounds} has {len(bounds)} ranges for a tensor of {len(shape)} dims {list(shape)}: give one (start, stop) per dim.")
    indices = torch.zeros((), dtype=torch.int64, device=device)
    stride = 1
    for axis in range(len(shape) - 1, -1, -1):
        start, stop = bounds[axis]
        # an empty range is the real part of a shard that is all padding (an uneven split)
        if not 0 <= start <= stop <= shape[axis]:
            raise ValueError(f"region ({start}, {stop}) of dim {axis} is outside [0, {shape[axis]}): use 0 <= start <= stop <= size.")
        along = torch.arange(start, stop, dtype=torch.int64, device=device) * stride
        view = [1] * len(shape)
        view[axis] = stop - start
        indices = indices + along.reshape(view)
        stride *= shape[axis]
    return indices.reshape([stop - start for start, stop in bounds])


def random_normal(shape: Sequence[int], seed: int, name: str, mean: float = 0.0, std: float = 1.0,
                  region: Optional[Sequence[Tuple[int, int]]] = None, device: Optional[torch.device] = None) -> torch.Tensor:
    """float32 normal values of the global tensor `shape` (or of its `region`), as meshtype's randomNormal."""
    key = stream_key(seed, name)
    return (mean + std * normal_at(key, region_indices(shape, region, device))).to(torch.float32)


def random_uniform(shape: Sequence[int], seed: int, name: str, low: float = 0.0, high: float = 1.0,
                   region: Optional[Sequence[Tuple[int, int]]] = None, device: Optional[torch.device] = None) -> torch.Tensor:
    """float32 uniform values in [low, high) of the global tensor `shape` (or of its `region`), as meshtype's randomUniform."""
    key = stream_key(seed, name)
    return (low + (high - low) * uniform_at(key, region_indices(shape, region, device))).to(torch.float32)
