"""Attention as one call: softmax(q @ k^T * scale + mask) @ v over the last two dims.

The generated code calls `attention` where a program's ops are exactly that
chain (compiler/backend/torch/attentionPattern.ts). On torch 2.0 and later it
is `torch.nn.functional.scaled_dot_product_attention` (fused kernels on a
GPU); on torch 1.13, which has none, the same matmuls and softmax as the
ops it replaces.
"""
import math
from typing import Optional

import torch

_sdpa = getattr(torch.nn.functional, "scaled_dot_product_attention", None)


def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: Optional[torch.Tensor], scale: float) -> torch.Tensor:
    """q [..., L, E], k [..., S, E], v [..., S, Ev]; mask (added to the scores) broadcasts to [..., L, S]."""
    if _sdpa is not None:
        # scaled_dot_product_attention scales by 1/sqrt(E) (its `scale=` keyword is torch 2.1's): fold the rest into q
        head = q.shape[-1]
        scaled = q if scale * math.sqrt(head) == 1.0 else q * (scale * math.sqrt(head))
        return _sdpa(scaled, k, v, attn_mask=None if mask is None else mask.expand(*q.shape[:-1], k.shape[-2]).to(q.dtype))
    scores = torch.matmul(q, k.transpose(-1, -2)) * scale
    if mask is not None:
        scores = scores + mask
    return torch.matmul(torch.softmax(scores, dim=-1), v)
