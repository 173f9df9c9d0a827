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


def small_images(model, x: torch.Tensor) -> torch.Tensor | None:
    """What a model is conditioned on for the large images x [B,C,H,W]: their box mean for the conditional half
    of a pair (the small image is a function of the large one), None for an unconditional model."""
    cond = model.config.get("condition")
    if not cond:
        return None
    return box_downsample(x, model.config["height"] // cond["smallHeight"])


def pair_nll(model, x: torch.Tensor, labels=None) -> torch.Tensor:
    """Per-image NLL in nats [B] of x [B,C,H,W]: −log p(x) for an unconditional model, −log p(x | box(x)) for a
    conditional one; −log p(x | y) for a class-conditional one given `labels` y (None: y = none)."""
    return model.nll_per_image(x, small_images(model, x), labels)


class SmallView:
    """A dataset seen through the box mean: the small images of its large ones (e.g. box(Emoji-64), 32×32), for
    training the unconditional half of a pair on exactly what the conditional half is given. Same splits, same
    order; the interface train.py uses of pixelrnn.data.Dataset."""

    def __init__(self, ds, factor: int):
        h, w, c = ds.shape
        if ds.kind != "rgb" and factor > 1:
            # binary data is binarised per batch from grey levels: box of grey, then binarise, is another image
            raise ValueError(f"{ds.name}: box-downsampled views are for RGB datasets")
        self.ds, self.factor = ds, factor
        self.name = f"{ds.name}/box{factor}"
        self.kind = ds.kind
        self.shape = (h // factor, w // factor, c)
        self.manifest = ds.manifest
        self._cache: dict[str, np.ndarray] = {}

    def count(self, split: str) -> int:
        return self.ds.count(split)

    @property
    def class_names(self):
        return self.ds.class_names

    def labels(self, split: str):
        return self.ds.labels(split)

    def images(self, split: str) -> np.ndarray:
        if split not in self._cache:
            self._cache[split] = box_downsample_nhwc(self.ds.images(split), self.factor)
        return self._cache[split]

    def fixed_binary(self, split: str):
        return None

    def eval_images(self, split: str, limit: int | None = None) -> np.ndarray:
        x = self.images(split)
        return x[:limit] if limit else x
