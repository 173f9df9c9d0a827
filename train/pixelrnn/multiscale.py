"""The Multi-Scale PixelRNN's small image (SPEC.md §3, issue 12): the f×f box-downsampling of the large image,
each output sub-pixel the mean of the f×f sub-pixels under it, rounded half up: ⌊(sum + f²/2) / f²⌋.

The same rule as src/core/data/box.ts (bytes) and `subsample` in src/core/models/multiScale.ts (tensors);
train/tests/test_equality.py checks the TypeScript and PyTorch results are equal.
"""
from __future__ import annotations

import numpy as np
import torch


def box_downsample(x: torch.Tensor, factor: int = 2) -> torch.Tensor:
    """[B,C,H,W] raw integer values (any dtype) → [B,C,H/f,W/f] in the same dtype."""
    b, c, h, w = x.shape
    if h % factor or w % factor:
        raise ValueError(f"box_downsample: {h}×{w} is not a multiple of {factor}")
    area = factor * factor
    sums = x.to(torch.int64).reshape(b, c, h // factor, factor, w // factor, factor).sum((3, 5))  # [B,C,s,s]
    return torch.div(sums + area // 2, area, rounding_mode="floor").to(x.dtype)


def box_downsample_nhwc(images: np.ndarray, factor: int = 2) -> np.ndarray:
    """uint8 [N,H,W,C] → uint8 [N,H/f,W/f,C]: the same rule on stored images (the datasets' layout)."""
    n, h, w, c = images.shape
    if h % factor or w % factor:
        raise ValueError(f"box_downsample: {h}×{w} is not a multiple of {factor}")
    area = factor * factor
    sums = images.astype(np.int32).reshape(n, h // factor, factor, w // factor, factor, c).sum((2, 4))  # [N,s,s,C]
    return ((sums + area // 2) // area).astype(np.uint8)
