"""ModelConfig: the same JSON the TypeScript side uses (src/core/models/config.ts), and its presets.

The presets are read from src/core/models/presets.json, the one file both sides load, and a config is the
plain dict stored in model.json (`modelTopology.config`). `validate_config` mirrors `validateConfig`;
train/tests/test_equality.py runs both on the same configs.
"""
from __future__ import annotations

import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PRESETS_FILE = REPO / "src" / "core" / "models" / "presets.json"

ARCHS = ("pixelcnn", "rowlstm", "diagonal", "gated")
OUTPUTS = ("binary", "softmax256")


def presets() -> dict[str, dict]:
    return json.loads(PRESETS_FILE.read_text())["presets"]


def limits() -> dict[str, int]:
    """Sane limits of a config (presets.json, shared with src/core/models/config.ts)."""
    return json.loads(PRESETS_FILE.read_text())["limits"]


def preset(name: str, **overrides) -> dict:
    p = presets()
    if name not in p:
        raise ValueError(f'unknown preset "{name}": {", ".join(p)}')
    config = {**p[name], **overrides}
    validate_config(config)
    return config


def categories(config: dict) -> int:
    """Values one sub-pixel can take: 2 for binary, 256 otherwise."""
    return 2 if config["output"] == "binary" else 256


def none_class(config: dict) -> int:
    """The class index meaning "no class" (the learned null class) of a class-conditional config: K."""
    if not config.get("classes"):
        raise ValueError("this model takes no class")
    return config["classes"]


def dims(config: dict) -> int:
    return config["height"] * config["width"] * config["channels"]


def validate_config(c: dict) -> None:
    def fail(msg: str):
        raise ValueError(f"Invalid model config: {msg}")

    if c.get("arch") not in ARCHS:
        fail(f'unknown arch "{c.get("arch")}"')
    if c["arch"] == "gated" and c.get("condition"):
        fail("the Gated PixelCNN takes no multi-scale condition")
    if c.get("classes") is not None:
        k = c["classes"]
        if c["arch"] != "gated":
            fail(f'only the Gated PixelCNN takes a class, not arch "{c["arch"]}"')
        if not isinstance(k, int) or isinstance(k, bool) or k < 2:
            fail(f"classes must be an integer ≥ 2, got {k}")
        if k > limits()["classes"]:
            fail(f"classes = {k} is beyond this app's limit of {limits()['classes']}")
    if c.get("channels") not in (1, 3):
        fail(f'channels must be 1 or 3, got {c.get("channels")}')
    if c.get("output") not in OUTPUTS:
        fail(f'unknown output "{c.get("output")}"')
    if c["output"] == "binary" and c["channels"] != 1:
        fail("binary output needs channels = 1")
    for k in ("height", "width", "layers", "hidden", "headWidth", "firstKernel"):
        v = c.get(k)
        if not isinstance(v, int) or isinstance(v, bool) or v < (0 if k == "layers" else 1):
            fail(f"{k} must be a positive integer, got {v}")
    if c["firstKernel"] % 2 != 1:
        fail(f'firstKernel must be odd, got {c["firstKernel"]}')
    if c["channels"] == 3 and c["hidden"] < 3:
        fail("an RGB model needs hidden ≥ 3 (one feature per colour group at least)")
    lim = limits()
    for k in ("height", "width", "layers", "hidden", "headWidth", "firstKernel"):
        if c[k] > lim[k]:
            fail(f"{k} = {c[k]} is beyond this app's limit of {lim[k]}")
    cond = c.get("condition")
    if cond and not cond.get("mapChannels", 0) <= lim["mapChannels"]:
        fail(f"mapChannels must be at most {lim['mapChannels']}")
    if cond:
        sh, sw, mc = cond["smallHeight"], cond["smallWidth"], cond["mapChannels"]
        if c["height"] % sh or c["width"] % sw:
            fail("the target size must be a multiple of the small size")
        f = c["height"] // sh
        if f != c["width"] // sw or f & (f - 1) or f < 2:
            fail("the upsampling factor must be the same power of two ≥ 2 on both axes")
        if not isinstance(mc, int) or mc < 1:
            fail("mapChannels must be a positive integer")
