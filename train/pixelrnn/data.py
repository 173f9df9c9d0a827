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

    @property
    def class_names(self) -> list[str] | None:
        """Names of the classes of a labelled dataset (manifest classNames), None otherwise."""
        return self.manifest.get("classNames")

    def labels(self, split: str) -> np.ndarray | None:
        """uint8 [N]: the class of each image (an index into class_names), checked against the manifest's
        length and FNV-1a checksum and the class count; None for an unlabelled dataset."""
        names = self.class_names
        if names is None:
            return None
        key = f"{split}/labels"
        if key not in self._cache:
            e = self.manifest["splits"][split]
            f = e["files"].get("labels")
            if f is None:
                raise ValueError(f"{self.dir / 'manifest.json'}: split {split} has no labels file (rebuild with npm run build:data)")
            data = self._file(f)
            if fnv1a32(data) != f["fnv1a32"]:
                raise ValueError(f"{self.dir / f['path']}: checksum mismatch: FNV-1a {fnv1a32(data)}, manifest says {f['fnv1a32']} (rebuild with npm run build:data)")
            y = np.frombuffer(data, dtype=np.uint8)
            if len(y) != e["count"]:
                raise ValueError(f"{self.dir / f['path']}: {len(y)} labels for {e['count']} images")
            if len(y) and int(y.max()) >= len(names):
                raise ValueError(f"{self.dir / f['path']}: label {int(y.max())} is beyond the {len(names)} classes")
            self._cache[key] = y
        return self._cache[key]

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


def fnv1a32(data: bytes) -> str:
    """FNV-1a 32-bit of the bytes, 8 hex digits (src/core/data/checksum.ts); for the small files (labels)."""
    h = 0x811C9DC5
    for b in data:
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return f"{h:08x}"


def dynamic_binarize(grey: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Bernoulli(grey/255), drawn afresh for every training batch (SPEC.md, DESIGN.md)."""
    return (rng.random(grey.shape, dtype=np.float32) * 255 < grey).astype(np.uint8)
