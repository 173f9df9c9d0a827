"""The project's model files: model.json (format, config as modelTopology, weight manifest, card) + weights.bin.

Exactly what src/core/io/artifacts.ts and scripts/lib/fileIO.ts read and write, so the app, `npm run eval`
and the fine-tune tab load a model trained here unchanged, and a TypeScript model loads here.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import torch

from .config import validate_config
from .model import PixelModel

FORMAT = "pixelrnn-lab/model@1"


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def save_model(model: PixelModel, out_dir: str | Path, card: dict | None = None) -> None:
    """Writes weights.bin then model.json, each through a temporary file and a rename, so a reader never sees
    a half-written file; model.json (written last) names the weights by their byte length."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    specs, chunks = [], []
    for name, p in model.named_weights():
        a = p.detach().to(torch.float32).cpu().numpy()
        specs.append({"name": name, "shape": list(a.shape), "dtype": "float32"})
        chunks.append(np.ascontiguousarray(a, dtype="<f4").tobytes())
    doc = {
        "format": FORMAT,
        "generatedBy": "PixelRNN Lab (PyTorch trainer)",
        "modelTopology": {"format": FORMAT, "config": model.config},
        "weightsManifest": [{"paths": ["./weights.bin"], "weights": specs}],
        "userDefinedMetadata": {"card": card or {}},
    }
    _atomic_write(out / "weights.bin", b"".join(chunks))
    _atomic_write(out / "model.json", json.dumps(doc, indent=1).encode())


def read_artifacts(model_dir: str | Path) -> tuple[dict, dict[str, np.ndarray], dict]:
    """(config, weights by name, card) of a model folder, checked as fromArtifacts checks them."""
    d = Path(model_dir)
    src = d / "model.json"
    try:
        doc = json.loads(src.read_text())
    except (OSError, ValueError) as e:
        raise ValueError(f"{src}: {e}") from e
    topo = doc.get("modelTopology") or {}
    if topo.get("format") != FORMAT or "config" not in topo:
        raise ValueError(f'{src} is not a PixelRNN Lab model (model.json has no "{FORMAT}" topology)')
    config = topo["config"]
    validate_config(config)
    specs, data = [], b""
    for group in doc.get("weightsManifest", []):
        specs += group["weights"]
        for p in group["paths"]:
            data += (d / p).read_bytes()
    expected = sum(int(np.prod(s["shape"])) * 4 for s in specs)
    if len(data) != expected:
        raise ValueError(f"{src}: the weights file has {len(data)} bytes but its manifest describes {expected} (truncated or corrupt)")
    weights, offset = {}, 0
    for s in specs:
        if s["dtype"] != "float32":
            raise ValueError(f'{src}: weight "{s["name"]}" is {s["dtype"]}, expected float32')
        n = int(np.prod(s["shape"]))
        weights[s["name"]] = np.frombuffer(data, dtype="<f4", count=n, offset=offset).reshape(s["shape"]).copy()
        offset += 4 * n
    card = (doc.get("userDefinedMetadata") or {}).get("card", {})
    return config, weights, card


def load_weights(model: PixelModel, weights: dict[str, np.ndarray], source: str = "the saved model") -> None:
    """Copies `weights` into `model`: every parameter present with the right shape, nothing extra, all finite."""
    names = dict(model.named_weights())
    for name, p in names.items():
        if name not in weights:
            raise ValueError(f'{source}: weight "{name}" is missing for this {model.config["arch"]} config')
        if list(weights[name].shape) != list(p.shape):
            raise ValueError(f'{source}: weight "{name}" has shape {list(weights[name].shape)}, the config needs {list(p.shape)}')
    extra = [n for n in weights if n not in names]
    if extra:
        raise ValueError(f"{source}: weights not in this config: {', '.join(extra[:5])}")
    with torch.no_grad():
        for name, p in names.items():
            t = torch.from_numpy(weights[name])
            if not torch.isfinite(t).all():
                raise ValueError(f'{source}: weight "{name}" contains NaN or Inf')
            p.copy_(t)


def load_model(model_dir: str | Path) -> tuple[PixelModel, dict]:
    config, weights, card = read_artifacts(model_dir)
    model = PixelModel(config)
    load_weights(model, weights, str(Path(model_dir) / "model.json"))
    return model, card
