"""PyTorch side of `npm run bench:train`: ms per training step (Adam) of presets on random images.

    /usr/bin/python3 train/bench.py --presets small-emoji-pixelcnn,... [--batch 16] [--steps 5] [--threads N]

Prints one JSON object: {"torch": version, "threads": N, "rows": [{"preset", "msPerStep", "spread": [min, max]}]}.
"""
import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pixelrnn.config import preset  # noqa: E402
from pixelrnn.model import PixelModel  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--presets", required=True)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    rows = []
    for name in args.presets.split(","):
        model = PixelModel(preset(name))
        c = model.config
        opt = torch.optim.Adam(model.parameters(), 1e-4)
        hi = 2 if c["output"] == "binary" else 256
        x = torch.randint(0, hi, (args.batch, c["channels"], c["height"], c["width"]), generator=torch.Generator().manual_seed(1)).float()
        times = []
        for s in range(args.steps + 1):  # the first is a warm-up
            t0 = time.perf_counter()
            loss = model.nll_per_image(x).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            if s:
                times.append((time.perf_counter() - t0) * 1000)
        rows.append({"preset": name, "msPerStep": round(statistics.median(times), 1), "spread": [round(min(times), 1), round(max(times), 1)]})
    print(json.dumps({"torch": torch.__version__, "threads": args.threads, "batch": args.batch, "rows": rows}))


if __name__ == "__main__":
    main()
