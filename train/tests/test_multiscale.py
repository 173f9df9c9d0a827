"""Training the Multi-Scale PixelRNN with train/train.py (issue 12): the conditional 64×64 half on (box(x), x)
pairs of Emoji-64 lowers its loss, resumes exactly, and saves a model that loads with identical logits; the
unconditional 32×32 half trains on box(Emoji-64); the box mean in NumPy and PyTorch agree."""
import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from conftest import REPO
from helpers import tiny_config
from pixelrnn.artifacts import load_model, read_artifacts
from pixelrnn.data import Dataset
from pixelrnn.model import PixelModel
from pixelrnn.multiscale import SmallView, box_downsample, box_downsample_nhwc, pair_nll, small_images

COND = tiny_config("pixelcnn", 3, height=64, width=64, layers=1, hidden=6, headWidth=12,
                   condition={"smallHeight": 32, "smallWidth": 32, "mapChannels": 3})


def train(tmp_path, name, config, steps, *extra):
    cfg = tmp_path / f"{name}.json"
    cfg.write_text(json.dumps(config))
    out = tmp_path / name
    args = [sys.executable, "train/train.py", "--config", str(cfg), "--data", "emoji64", "--batch", "2", "--steps", str(steps),
            "--lr", "0.01", "--eval-every", "0", "--valid-limit", "4", "--threads", "2", "--log-losses", "--out", str(out), *extra]
    subprocess.run(args, cwd=REPO, check=True, timeout=600, capture_output=True)
    events = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    return out, [e["loss"] for e in events if e["kind"] == "step"]


def test_box_mean_in_numpy_and_torch_agree():
    x = np.random.default_rng(3).integers(0, 256, (2, 8, 8, 3)).astype(np.uint8)
    a = box_downsample_nhwc(x)
    b = box_downsample(torch.from_numpy(x).permute(0, 3, 1, 2)).permute(0, 2, 3, 1).numpy()
    assert np.array_equal(a, b)
    sums = x.astype(int).reshape(2, 4, 2, 4, 2, 3).sum((2, 4))
    assert np.array_equal(a, np.floor(sums / 4 + 0.5).astype(np.uint8))  # mean rounded half up


def test_small_view_is_the_box_mean_of_emoji64():
    ds = Dataset("emoji64")
    view = SmallView(ds, 2)
    assert view.shape == (32, 32, 3) and view.count("test") == ds.count("test")
    assert np.array_equal(view.images("test")[:5], box_downsample_nhwc(ds.images("test")[:5]))


@pytest.fixture(scope="module")
def straight(tmp_path_factory):
    return train(tmp_path_factory.mktemp("ms"), "straight", COND, 8)


def test_conditional_training_lowers_the_loss(straight):
    out, losses = straight
    assert len(losses) == 8
    assert np.mean(losses[-3:]) < np.mean(losses[:3]) - 100  # nats per 64×64 image
    card = read_artifacts(out)[2]
    assert card["architecture"]["condition"] == COND["condition"]
    assert card["dataset"]["name"] == "emoji64"
    assert "Multi-Scale" in card["architecture"]["description"]


def test_conditional_resume_is_exact(straight, tmp_path):
    out_a, losses_a = straight
    out_b, first = train(tmp_path, "split", COND, 4)
    _, both = train(tmp_path, "split", COND, 8, "--resume")  # events.jsonl is appended to: all 8 steps
    assert both[:4] == first
    np.testing.assert_allclose(both, losses_a, rtol=1e-5)
    wa, wb = read_artifacts(out_a)[1], read_artifacts(out_b)[1]
    for name in wa:
        np.testing.assert_allclose(wb[name], wa[name], rtol=1e-5, atol=1e-7)


def test_conditional_save_load_gives_identical_logits(straight):
    out, _ = straight
    loaded, _ = load_model(out)
    ck = torch.load(out / "checkpoint.pt", map_location="cpu")
    fresh = PixelModel(ck["config"])
    with torch.no_grad():
        for n, p in fresh.named_weights():
            p.copy_(ck["weights"][n])
    x = torch.from_numpy(Dataset("emoji64").images("val")[:2].copy()).permute(0, 3, 1, 2).float()
    s = small_images(loaded, x)
    assert s.shape == (2, 3, 32, 32)
    with torch.no_grad():
        assert torch.equal(loaded(x, s), fresh(x, s))
        assert torch.equal(pair_nll(loaded, x), fresh.nll_per_image(x, box_downsample(x)))


def test_the_small_half_trains_on_box_means_of_emoji64(tmp_path):
    small = tiny_config("pixelcnn", 3, height=32, width=32, layers=1, hidden=6, headWidth=12)
    out, losses = train(tmp_path, "small", small, 2)
    assert len(losses) == 2
    card = read_artifacts(out)[2]
    assert card["dataset"]["name"] == "emoji64/box2"
    ck = torch.load(out / "checkpoint.pt", map_location="cpu")
    assert ck["setup"]["data"] == "emoji64"  # resumes from the dataset, through the same view


def test_eval_pair_matches_pytorch(straight, tmp_path):
    """`npm run eval:pair` (TypeScript) gives the pair's −log p(box(x)) − log p(x | box(x)) PyTorch computes."""
    large_dir, _ = straight
    small = tiny_config("pixelcnn", 3, height=32, width=32, layers=1, hidden=6, headWidth=12)
    small_dir, _ = train(tmp_path, "small", small, 2)
    r = subprocess.run(["npx", "tsx", "scripts/eval-pair.ts", str(small_dir), str(large_dir), "--split", "val", "--limit", "4",
                        "--batch", "3", "--backend", "cpu"], cwd=REPO, check=True, timeout=600, capture_output=True, text=True)
    ts = json.loads(r.stdout.strip().splitlines()[-1])
    x = torch.from_numpy(Dataset("emoji64").images("val")[:4].copy()).permute(0, 3, 1, 2).float()
    sm, lg = load_model(small_dir)[0], load_model(large_dir)[0]
    with torch.no_grad():
        a = sm.nll_per_image(box_downsample(x)).double().mean().item()
        b = pair_nll(lg, x).double().mean().item()
    assert ts["images"] == 4
    assert abs(ts["terms"]["small"]["natsPerImage"] - a) < 1e-4 * a
    assert abs(ts["terms"]["largeGivenSmall"]["natsPerImage"] - b) < 1e-4 * b
    assert abs(ts["bitsPerDim"] - (a + b) / (64 * 64 * 3 * np.log(2))) < 1e-4
