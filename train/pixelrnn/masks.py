"""Masks of the paper (SPEC.md §2), line for line as src/core/masks.ts, in tfjs's HWIO layout."""
from __future__ import annotations

import numpy as np


def channel_groups(count: int, groups: int) -> np.ndarray:
    """Group of each of `count` features split into `groups` consecutive near-equal parts."""
    return np.array([(c * groups) // count for c in range(count)], dtype=np.int32)


def gate_groups(size: int, blocks: int, groups: int) -> np.ndarray:
    """`blocks` consecutive blocks of `size` features, each split into groups (the o, f, i, g gate stack)."""
    return np.tile(channel_groups(size, groups), blocks)


def conv_mask(kh: int, kw: int, in_groups: np.ndarray, out_groups: np.ndarray, kind: str) -> np.ndarray:
    """A [kh, kw, cin, cout] mask: rows above visible, centre row left of centre visible, and at the centre
    tap group g_in → g_out allowed if g_in < g_out (mask A) or g_in ≤ g_out (mask B)."""
    m = np.zeros((kh, kw, len(in_groups), len(out_groups)), dtype=np.float32)
    ch, cw = kh // 2, kw // 2
    m[:ch] = 1
    m[ch, :cw] = 1
    gi = in_groups[:, None]
    go = out_groups[None, :]
    m[ch, cw] = (gi < go) if kind == "A" else (gi <= go)
    return m
