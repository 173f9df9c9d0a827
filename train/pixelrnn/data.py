"""The project's prepared datasets (public/data/<name>/, built by `npm run data`): the same files, splits and
binarisation as src/core/data/. Files are checked against the manifest's lengths; their FNV-1a checksums are
checked by `npm run data`, which every npm command runs first.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .config import REPO

DATA = REPO / "public" / "data"


class Dataset:
    def __init__(self, name: str, root: Path = DATA):
        self.dir = root / name
        mpath = self.dir / "manifest.json"
        if not mpath.exists():
            raise FileNotFoundError(f"{mpath} not found: build the datasets first (npm run data)")
        self.manifest = json.loads(mpath.read_text())
        self.name = self.manifest["name"]
        self.kind = self.manifest["kind"]  # 'binary' or 'rgb'
        self.shape = tuple(self.manifest["shape"])  # (H, W, C)
        self._cache: dict[str, np.ndarray] = {}

    def _file(self, entry: dict) -> bytes:
        p = self.dir / entry["path"]
        data = p.read_bytes()
        if len(data) != entry["byteLength"]:
            raise ValueError(f"{p}: {len(data)} bytes, manifest says {entry['byteLength']} (rebuild with npm run build:data)")
        return data

    def count(self, split: str) -> int:
        return self.manifest["splits"][split]["count"]

    def images(self, split: str) -> np.ndarray:
        """uint8 [N,H,W,C]: grey levels for binary datasets, RGB otherwise."""
        key = f"{split}/pixels"
        if key not in self._cache:
            e = self.manifest["splits"][split]
            a = np.frombuffer(self._file(e["files"]["pixels"]), dtype=np.uint8)
            self._cache[key] = a.reshape((e["count"], *self.shape))
        return self._cache[key]

    def fixed_binary(self, split: str) -> np.ndarray | None:
        """The stored fixed 0/1 draw [N,H,W,1] (binarised MNIST val/test), MSB-first bit-packed on disk."""
        e = self.manifest["splits"][split]
        f = e["files"].get("binarized")
        if f is None:
            return None
        n = e["count"] * self.shape[0] * self.shape[1]
        bits = np.unpackbits(np.frombuffer(self._file(f), dtype=np.uint8))[:n]
        return bits.reshape((e["count"], self.shape[0], self.shape[1], 1))

    def eval_images(self, split: str, limit: int | None = None) -> np.ndarray:
        """What the model is evaluated on: the fixed draw for binary datasets, the pixels otherwise."""
        x = self.fixed_binary(split) if self.kind == "binary" else self.images(split)
        if x is None:
            raise ValueError(f"{self.name}: split {split} has no fixed binarisation")
        return x[:limit] if limit else x


def dynamic_binarize(grey: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Bernoulli(grey/255), drawn afresh for every training batch (SPEC.md, DESIGN.md)."""
    return (rng.random(grey.shape, dtype=np.float32) * 255 < grey).astype(np.uint8)
