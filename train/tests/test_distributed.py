"""Data-parallel training under torchrun (gloo on CPU): 2 processes give the same losses as 1 process with
the same global batch, to float tolerance, and the same weights afterwards."""
import json
import subprocess
import sys

import numpy as np

from conftest import REPO
from helpers import tiny_config
from pixelrnn.artifacts import read_artifacts


def train(tmp_path, name, procs):
    config = tiny_config("rowlstm", 1, height=28, width=28, layers=1, hidden=4, headWidth=8)
    cfg = tmp_path / "config.json"
    cfg.write_text(json.dumps(config))
    out = tmp_path / name
    args = ["train/train.py", "--config", str(cfg), "--data", "mnist", "--batch", "4", "--steps", "4", "--eval-every", "0",
            "--valid-limit", "8", "--threads", "1", "--log-losses", "--out", str(out)]
    launcher = [sys.executable] if procs == 1 else [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(procs), "--redirects", "1", "--tee", "1"]
    subprocess.run(launcher + args, cwd=REPO, check=True, timeout=600, capture_output=True)
    events = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    losses = [e["loss"] for e in events if e["kind"] == "step"]
    return losses, read_artifacts(out)[1]


def test_two_processes_take_the_same_steps_as_one(tmp_path):
    one, w1 = train(tmp_path, "one", 1)
    two, w2 = train(tmp_path, "two", 2)
    assert len(one) == len(two) == 4
    assert len(set(one)) > 1  # the loss moves: it is trained, not a constant
    np.testing.assert_allclose(two, one, rtol=1e-5)
    for name in w1:
        np.testing.assert_allclose(w2[name], w1[name], rtol=1e-4, atol=1e-6)
