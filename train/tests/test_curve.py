"""A model trained further with --init keeps one learning curve: its card's `curve` is the curve of the model
it started from, then the new run's points with that model's steps, wall-hours and CPU-hours added, so a
plot against CPU-hours shows the weights' whole training (issue 10: each card keeps its learning curve)."""
import json
import subprocess
import sys

from conftest import REPO
from helpers import tiny_config
from pixelrnn.artifacts import read_artifacts
from train import continued_curve


def test_continued_curve_offsets_the_new_points():
    prior = {"steps": 100, "trainSeconds": 3600, "cpuSeconds": 1800,
             "curve": [{"step": 100, "wallHours": 1.0, "cpuHours": 0.5, "validNats": 90.0}]}
    new = [{"step": 50, "wallHours": 0.25, "cpuHours": 0.125, "validNats": 88.0}]
    assert continued_curve(prior, new) == [prior["curve"][0], {"step": 150, "wallHours": 1.25, "cpuHours": 0.625, "validNats": 88.0}]
    assert continued_curve(None, new) == new
    assert continued_curve({"steps": 3}, new) == new  # a model without a curve (an old card): this run's alone


def run(tmp_path, name, *extra):
    out = tmp_path / name
    args = [sys.executable, "train/train.py", "--data", "mnist", "--batch", "2", "--steps", "3", "--eval-every", "1",
            "--valid-limit", "4", "--threads", "1", "--out", str(out), *extra]
    subprocess.run(args, cwd=REPO, check=True, timeout=600, capture_output=True)
    return read_artifacts(out)[2]


def test_a_run_from_init_continues_the_curve_of_its_model(tmp_path):
    cfg = tmp_path / "tiny.json"
    cfg.write_text(json.dumps(tiny_config("pixelcnn", 1, height=28, width=28, layers=1, hidden=4, headWidth=8)))
    first = run(tmp_path, "first", "--config", str(cfg))
    second = run(tmp_path, "second", "--init", str(tmp_path / "first"))
    assert [p["step"] for p in first["curve"]] == [1, 2, 3]
    assert [p["step"] for p in second["curve"]] == [1, 2, 3, 4, 5, 6]
    assert second["curve"][:3] == first["curve"]
    cpu = [p["cpuHours"] for p in second["curve"]]
    assert cpu == sorted(cpu) and cpu[3] >= first["cpuSeconds"] / 3600
    assert second["initializedFrom"]["steps"] == 3 and "curve" not in second["initializedFrom"]
