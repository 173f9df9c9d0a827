"""The PyTorch models against the TypeScript ones (issue: a native trainer proven equal).

For every architecture, binary and RGB, and the conditional (multi-scale) model: random PyTorch weights
saved as model.json + weights.bin and loaded by TypeScript give the same logits on the same images, and a
fresh TypeScript model (its own seeded initialisation) saved and loaded here does too. One TypeScript
process runs all jobs (scripts/logits.ts).
"""
import json
import subprocess

import numpy as np
import pytest
import torch

from conftest import REPO
from helpers import CASES, conditional_config, tiny_config
from pixelrnn.artifacts import load_model, save_model
from pixelrnn.model import PixelModel
from pixelrnn.multiscale import box_downsample, box_downsample_nhwc

TOL = 1e-4  # of the logit scale (max |logit|)
ALL = ([tiny_config(a, c) for a, c in CASES] + [conditional_config("rowlstm", 3), conditional_config("pixelcnn", 1), conditional_config("diagonal", 3)]
       + [tiny_config("gated", 1, classes=3), tiny_config("gated", 3, classes=4)])
IDS = [f'{c["arch"]}-{c["channels"]}ch{"-cond" if "condition" in c else ""}{"-class" if "classes" in c else ""}' for c in ALL]


def class_labels(config, batch):
    """Each image's class for a class-conditional config: 0, none (K), then K − 1 …; None otherwise."""
    k = config.get("classes")
    return None if not k else [0, k, k - 1, 1][:batch]


def images(config, batch, seed):
    rng = np.random.default_rng(seed)
    hi = 2 if config["output"] == "binary" else 256
    x = rng.integers(0, hi, (batch, config["height"], config["width"], config["channels"])).astype(np.uint8)
    small = None
    if "condition" in config:
        f = config["height"] // config["condition"]["smallHeight"]
        small = box_downsample_nhwc(x, f)  # the pair's small image: the box mean (issue 12)
    return x, small


def torch_logits(model, x, small, labels=None):
    with torch.no_grad():
        s = torch.from_numpy(small).float() if small is not None else None
        y = torch.tensor(labels) if labels is not None else None
        return model.logits_nhwc(torch.from_numpy(x).float(), s, y).numpy()


@pytest.fixture(scope="module")
def both_ways(tmp_path_factory):
    """Runs the TypeScript side once for every config: PyTorch → TS and TS → PyTorch."""
    root = tmp_path_factory.mktemp("eq")
    jobs, cases = [], []
    for i, config in enumerate(ALL):
        # PyTorch → TypeScript: random non-trivial weights (not just the initialisation)
        pt = PixelModel(config, seed=100 + i)
        with torch.no_grad():
            for _, p in pt.named_weights():
                p.add_(torch.randn(p.shape, generator=torch.Generator().manual_seed(i)) * 0.2)
        save_model(pt, root / f"pt{i}")
        x, small = images(config, 3, i)
        x.tofile(root / f"x{i}.u8")
        job = {"model": str(root / f"pt{i}"), "images": str(root / f"x{i}.u8"), "count": 3, "out": str(root / f"pt{i}.f32")}
        if class_labels(config, 3) is not None:
            job["labels"] = class_labels(config, 3)
        if small is not None:
            small.tofile(root / f"s{i}.u8")
            job["small"] = str(root / f"s{i}.u8")
            job["subsampled"] = str(root / f"sub{i}.u8")
        jobs.append(job)
        # TypeScript → PyTorch: the TS model's own seeded weights, saved by TS
        jobs.append({**job, "model": None, "config": config, "save": str(root / f"ts{i}"), "out": str(root / f"ts{i}.f32")})
        cases.append((config, pt, x, small))
    for j in jobs:
        if j.get("model") is None:
            j.pop("model", None)
    (root / "jobs.json").write_text(json.dumps(jobs))
    subprocess.run(["npx", "tsx", "scripts/logits.ts", str(root / "jobs.json")], cwd=REPO, check=True, timeout=600)
    return root, cases


@pytest.mark.parametrize("i", range(len(ALL)), ids=IDS)
def test_pytorch_weights_give_the_same_logits_in_typescript(both_ways, i):
    root, cases = both_ways
    config, pt, x, small = cases[i]
    mine = torch_logits(pt, x, small, class_labels(config, 3))
    theirs = np.fromfile(root / f"pt{i}.f32", dtype="<f4").reshape(mine.shape)
    scale = np.abs(mine).max()
    assert scale > 0.5  # a real signal, not all zeros
    assert np.abs(mine - theirs).max() <= TOL * scale


@pytest.mark.parametrize("i", range(len(ALL)), ids=IDS)
def test_typescript_weights_give_the_same_logits_in_pytorch(both_ways, i):
    root, cases = both_ways
    config, _, x, small = cases[i]
    model, _ = load_model(root / f"ts{i}")
    assert model.config == config
    mine = torch_logits(model, x, small, class_labels(config, 3))
    theirs = np.fromfile(root / f"ts{i}.f32", dtype="<f4").reshape(mine.shape)
    scale = np.abs(theirs).max()
    assert scale > 0.05
    assert np.abs(mine - theirs).max() <= TOL * scale


def test_weight_layout_is_the_typescript_one(both_ways):
    """Same names, shapes and order as the TypeScript ParamStore writes (drift in either side fails here)."""
    root, cases = both_ways
    for i, (config, pt, _, _) in enumerate(cases):
        ts = json.loads((root / f"ts{i}" / "model.json").read_text())["weightsManifest"][0]["weights"]
        mine = [{"name": n, "shape": list(p.shape), "dtype": "float32"} for n, p in pt.named_weights()]
        assert mine == ts, IDS[i]


def test_box_downsampling_is_the_typescript_one(both_ways):
    """The small image of a multi-scale pair: TypeScript's `subsample` and PyTorch's box mean agree exactly."""
    root, cases = both_ways
    conditional = [(i, c) for i, c in enumerate(cases) if c[3] is not None]
    assert len(conditional) >= 3
    for i, (config, _, x, small) in conditional:
        ts = np.fromfile(root / f"sub{i}.u8", dtype=np.uint8).reshape(small.shape)
        assert np.array_equal(ts, small), IDS[i]
        f = config["height"] // config["condition"]["smallHeight"]
        t = box_downsample(torch.from_numpy(x).permute(0, 3, 1, 2).float(), f).permute(0, 2, 3, 1).numpy()
        assert np.array_equal(t.astype(np.uint8), small), IDS[i]
        if config["output"] != "binary":
            assert not np.array_equal(small, x[:, ::f, ::f, :]), "the box mean, not every f-th pixel"


def test_same_limits_as_typescript():
    """An absurd config is refused here too, with the limit of presets.json, before anything is built."""
    from pixelrnn.config import validate_config

    with pytest.raises(ValueError, match="layers = 10000 is beyond this app's limit of 64"):
        validate_config(tiny_config("pixelcnn", 3, layers=10000))


def test_gated_takes_no_multi_scale_condition():
    """As validateConfig: the Gated PixelCNN has no multi-scale conditioning path, so a config asking for one is refused."""
    from pixelrnn.config import validate_config

    with pytest.raises(ValueError, match="no multi-scale condition"):
        validate_config(conditional_config("gated", 3))
