"""Native training path: PyTorch (Debian's python3-torch), the way the shipped models are trained.

    /usr/bin/python3 train/train.py --preset small-emoji-pixelcnn --data emoji32 --out runs/x [options]
    torchrun --nproc_per_node 2 train/train.py ...      (data-parallel: gloo on CPU, nccl on GPUs)

Builds the model from the same ModelConfig JSON as the TypeScript side (src/core/models/presets.json, or
--config FILE, or the config of --init DIR), trains on the project's prepared datasets (public/data: the same
splits; MNIST binarised afresh per batch, validated on the fixed draw), and writes the project's artifacts:
--out/model.json + weights.bin (the app, `npm run eval` and scripts/ship.ts load them unchanged),
--out/checkpoint.pt (weights, optimiser, step, data position: --resume continues it) and --out/events.jsonl
(one line per validation: step, wall and CPU seconds, train and validation bits/dim).

Under torchrun every process draws the same global batch from the same seeded generator and trains on its
own slice; DistributedDataParallel averages the gradients, so N processes take the same steps as one process
with the same global batch (train/tests/test_distributed.py).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pixelrnn.artifacts import read_artifacts, load_weights, save_model  # noqa: E402
from pixelrnn.config import dims, preset, validate_config  # noqa: E402
from pixelrnn.data import Dataset, dynamic_binarize  # noqa: E402
from pixelrnn.model import PixelModel  # noqa: E402
from pixelrnn.multiscale import SmallView, pair_nll  # noqa: E402

LN2 = math.log(2)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    m = p.add_argument_group("model")
    m.add_argument("--preset", help="a preset of src/core/models/presets.json")
    m.add_argument("--config", help="a ModelConfig JSON file")
    m.add_argument("--init", help="start from the weights (and config) of a saved model folder")
    m.add_argument("--layers", type=int)
    m.add_argument("--hidden", type=int)
    m.add_argument("--head", type=int, help="head width")
    t = p.add_argument_group("training")
    t.add_argument("--data", choices=["mnist", "emoji32", "emoji64"],
                   help="dataset (default: from the image shape). A conditional (multi-scale) model trains on (box(x), x) "
                        "pairs of it; an unconditional model smaller than its images by a power of two trains on their box "
                        "means (the small half of a pair, e.g. a 32×32 model on --data emoji64)")
    t.add_argument("--steps", type=int, default=2000, help="total steps to train to")
    t.add_argument("--batch", type=int, default=16, help="global batch size (the paper's 16)")
    t.add_argument("--optimizer", choices=["adam", "rmsprop"], default="adam")
    t.add_argument("--lr", type=float, default=1e-3)
    t.add_argument("--schedule", choices=["constant", "cosine"], default="constant")
    t.add_argument("--warmup", type=int, default=0)
    t.add_argument("--min-lr-factor", type=float, default=0.05)
    t.add_argument("--clip", type=float, default=0.0, help="clip the global gradient norm (0: off)")
    t.add_argument("--seed", type=int, default=1)
    t.add_argument("--label-dropout", type=float, default=0.2,
                   help="class-conditional models: the fraction of each batch's labels replaced by none (the learned null "
                        "class), so the one model also gives the unconditional p(x)")
    t.add_argument("--time-limit", type=float, help="stop cleanly after this many minutes of wall time")
    t.add_argument("--decay-minutes", type=float, default=0.0,
                   help="with --time-limit: cosine-decay the learning rate to --min-lr-factor over the last MIN minutes")
    t.add_argument("--threads", type=int, default=0, help="torch threads per process (default: cores / processes)")
    o = p.add_argument_group("evaluation and output")
    o.add_argument("--eval-every", type=int, default=500)
    o.add_argument("--valid-limit", type=int, default=1000, help="validation images (0: all)")
    o.add_argument("--checkpoint-minutes", type=float, default=5.0)
    o.add_argument("--out", required=True)
    o.add_argument("--resume", action="store_true", help="continue --out/checkpoint.pt")
    o.add_argument("--device", default="auto", help="cpu, cuda or auto")
    o.add_argument("--log-losses", action="store_true", help="log every step's loss to events.jsonl (tests)")
    return p.parse_args(argv)


class Run:
    """Process group facts: rank 0 writes files; every rank trains on its slice of the global batch."""

    def __init__(self, device: str):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.local = int(os.environ.get("LOCAL_RANK", "0"))
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.device = torch.device(f"cuda:{self.local}" if device == "cuda" else "cpu")
        if self.world > 1:
            dist.init_process_group("nccl" if device == "cuda" else "gloo")
        self.main = self.rank == 0

    def all_sum(self, values: list[float]) -> list[float]:
        if self.world == 1:
            return values
        t = torch.tensor(values, dtype=torch.float64)
        dist.all_reduce(t)
        return t.tolist()


def lr_at(args, step: int, seconds_left: float | None = None) -> float:
    if args.warmup and step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    if args.decay_minutes and seconds_left is not None:
        t = min(1.0, max(0.0, 1 - seconds_left / (args.decay_minutes * 60)))
        return args.lr * (args.min_lr_factor + (1 - args.min_lr_factor) * 0.5 * (1 + math.cos(math.pi * t)))
    if args.schedule == "cosine":
        t = min(1.0, (step - args.warmup) / max(1, args.steps - args.warmup))
        return args.lr * (args.min_lr_factor + (1 - args.min_lr_factor) * 0.5 * (1 + math.cos(math.pi * t)))
    return args.lr


def continued_curve(initialized_from: dict | None, history: list[dict]) -> list[dict]:
    """The learning curve of a run started with --init, continued from the curve of the model it started from:
    that model's points, then this run's with its steps, wall-hours and CPU-hours added (the card's `curve`
    covers the weights' whole training, as a plot against CPU-hours needs)."""
    if not initialized_from or not initialized_from.get("curve"):
        return history
    last = initialized_from["curve"][-1]
    # The model's totals (cards round them to whole seconds), never less than its last point.
    steps = max(initialized_from.get("steps", 0), last["step"])
    wall = max(initialized_from.get("trainSeconds", 0) / 3600, last["wallHours"])
    cpu = max(initialized_from.get("cpuSeconds", 0) / 3600, last["cpuHours"])
    return initialized_from["curve"] + [{**p, "step": p["step"] + steps, "wallHours": p["wallHours"] + wall, "cpuHours": p["cpuHours"] + cpu}
                                        for p in history]


def build_config(args, ck: dict | None) -> tuple[dict, dict | None]:
    """The config, and the initial weights when --init names a saved model."""
    if ck:
        return ck["config"], None
    init_weights = None
    if args.init:
        config, init_weights, init_card = read_artifacts(args.init)
        args.init_card = {"model": args.init, **{k: init_card[k] for k in ("steps", "trainSeconds", "cpuSeconds", "batchSize", "trainer", "curve") if k in init_card}}
    elif args.config:
        config = json.loads(Path(args.config).read_text())
    elif args.preset:
        config = preset(args.preset)
    else:
        raise SystemExit("train: give --preset, --config or --init")
    for k, v in (("layers", args.layers), ("hidden", args.hidden), ("headWidth", args.head)):
        if v is not None:
            if init_weights is not None:
                raise SystemExit("train: --layers/--hidden/--head cannot change a model given by --init")
            config[k] = v
    config["seed"] = args.seed if not args.init else config["seed"]
    validate_config(config)
    return config, init_weights


def dataset_for(config: dict, name: str | None):
    """The training data of a config: its images, or (an unconditional model smaller than the images by a power of
    two) their box means. A conditional model is given box(x) of each image x by pair_nll, not by the data."""
    h0, w0 = config["height"], config["width"]
    name = name or ("mnist" if config["output"] == "binary" else "emoji64" if h0 == 64 else "emoji32")
    ds = Dataset(name)
    h, w, c = ds.shape
    f = h // h0 if h0 and h % h0 == 0 else 0
    if not config.get("condition") and f > 1 and f & (f - 1) == 0 and w == w0 * f and ds.kind == "rgb":
        ds = SmallView(ds, f)
        h, w, c = ds.shape
    if (h0, w0, config["channels"]) != (h, w, c) or (config["output"] == "binary") != (ds.kind == "binary"):
        raise SystemExit(f"train: the model is {h0}×{w0}×{config['channels']} {config['output']}; "
                         f"{name} has {h}×{w}×{c} {ds.kind} images")
    return ds


def class_names_for(config: dict, ds) -> list[str] | None:
    """The class names of a class-conditional config from its dataset's manifest (None for other models)."""
    k = config.get("classes")
    if not k:
        return None
    names = ds.class_names
    if names is None:
        raise SystemExit(f"train: the model is class-conditional but {ds.name} has no labels (rebuild it: npm run build:data)")
    if len(names) != k:
        raise SystemExit(f"train: the model has {k} classes, {ds.name} has {len(names)}: {', '.join(names)}")
    return list(names)


@torch.no_grad()
def evaluate(model: PixelModel, images: np.ndarray, device, batch: int = 50, labels: np.ndarray | None = None) -> float:
    """Mean NLL in nats per image over `images` (uint8 [N,H,W,C]); a class-conditional model is given `labels`
    (None: none, its unconditional p(x))."""
    model.eval()
    total = 0.0
    for i in range(0, len(images), batch):
        x = torch.from_numpy(np.array(images[i : i + batch])).to(device).permute(0, 3, 1, 2).float()
        y = None if labels is None else torch.from_numpy(labels[i : i + batch].astype(np.int64)).to(device)
        total += pair_nll(model, x, y).double().sum().item()  # −log p(x), or −log p(x | box(x)) for a conditional model
    model.train()
    return total / len(images)


def main(argv=None) -> dict:
    args = parse_args(argv)
    run = Run(args.device)
    cores = os.cpu_count() or 1
    threads = args.threads or max(1, cores // run.world)
    torch.set_num_threads(threads)
    out = Path(args.out)
    ck_path = out / "checkpoint.pt"
    ck = None
    if args.resume:
        if not ck_path.exists():
            raise SystemExit(f"train: cannot resume: {ck_path} not found")
        ck = torch.load(ck_path, map_location="cpu")
    elif ck_path.exists():
        raise SystemExit(f"train: {out} already holds a checkpoint: add --resume to continue it, or choose another --out")

    config, init_weights = build_config(args, ck)
    setup = ck["setup"] if ck else {"data": args.data, "batch": args.batch, "seed": args.seed, "commands": [],
                                     "initializedFrom": getattr(args, "init_card", None), "labelDropout": args.label_dropout}
    setup["commands"] = setup["commands"] + [" ".join(["train/train.py", *(argv if argv is not None else sys.argv[1:])])]
    ds = dataset_for(config, setup["data"])
    setup["data"] = getattr(ds, "ds", ds).name  # a box-mean view resumes from its dataset
    class_names = class_names_for(config, ds)
    label_dropout = setup.get("labelDropout", args.label_dropout)
    if class_names and not 0 <= label_dropout <= 1:
        raise SystemExit(f"train: --label-dropout must be in [0, 1], got {label_dropout}")
    global_batch = setup["batch"]
    if global_batch % run.world:
        raise SystemExit(f"train: the global batch {global_batch} must be a multiple of the {run.world} processes")
    local_batch = global_batch // run.world

    # 1) the model: fresh from the config's seed, from --init's weights, or from the checkpoint
    model = PixelModel(config)
    if init_weights is not None:
        load_weights(model, init_weights, args.init)
    if ck:
        load_weights(model, {k: v.numpy() for k, v in ck["weights"].items()}, str(ck_path))
    model.to(run.device)
    params = [p for _, p in model.named_weights()]
    opt = (torch.optim.Adam(params, lr=args.lr) if args.optimizer == "adam"
           else torch.optim.RMSprop(params, lr=args.lr, alpha=0.9, eps=1e-8))
    if ck:
        opt.load_state_dict(ck["optimizer"])
    net = NllOf(model)
    if run.world > 1:
        net = torch.nn.parallel.DistributedDataParallel(net)  # averages the gradients over the ranks

    # 2) the data: one generator shared by all ranks gives the global batch; each rank takes its slice
    train = ds.images("train")
    valid = ds.eval_images("val", args.valid_limit or None)
    train_labels = ds.labels("train") if class_names else None
    valid_labels = ds.labels("val")[: len(valid)] if class_names else None
    rng = np.random.default_rng(setup["seed"])
    order = rng.permutation(len(train))
    pos, epoch = 0, 0
    if ck:
        rng.bit_generator.state = ck["rng"]
        order, pos, epoch = np.array(ck["order"]), ck["pos"], ck["epoch"]

    step = ck["step"] if ck else 0
    wall_before = ck["wallSeconds"] if ck else 0.0
    cpu_before = ck["cpuSeconds"] if ck else 0.0
    history = ck["history"] if ck else []
    t0, c0 = time.time(), time.process_time()
    last_ck = time.time()
    deadline = t0 + args.time_limit * 60 if args.time_limit else None
    events = out / "events.jsonl"
    if run.main:
        out.mkdir(parents=True, exist_ok=True)
    d = dims(config)
    recent: list[float] = []
    skipped = 0

    def cpu_seconds() -> float:
        return cpu_before + run.all_sum([time.process_time() - c0])[0]

    def log(obj: dict) -> None:
        if run.main:
            with open(events, "a") as f:
                f.write(json.dumps(obj) + "\n")

    def card(valid_nats: float | None, cpu: float) -> dict:
        return {
            "name": args.preset or config["arch"],
            "architecture": {**config, "description": describe_arch(config)},
            "parameters": sum(p.numel() for p in params),
            "dataset": {"name": ds.name, "trainSplit": "train", "validSplit": "val", "validImages": len(valid),
                        **({"smallImages": "2×2 box mean, rounded half up, of each image (the pair's small image)"} if config.get("condition") else {}),
                        **({"images": f"box means ({ds.factor}×{ds.factor}, rounded half up) of {ds.ds.name}"} if isinstance(ds, SmallView) else {})},
            "steps": step,
            "skippedSteps": skipped,
            "optimizer": {"kind": args.optimizer},
            "lr": args.lr,
            "schedule": {"kind": args.schedule, "warmupSteps": args.warmup, "minFactor": args.min_lr_factor},
            "clipNorm": args.clip,
            "batchSize": global_batch,
            "trainSeconds": round(wall_before + time.time() - t0),
            "cpuSeconds": round(cpu),
            "hardware": {"backend": "pytorch " + torch.__version__ + (" cuda" if run.device.type == "cuda" else " cpu"),
                         "cpu": platform.processor() or platform.machine(), "cores": cores, "processes": run.world,
                         "threadsPerProcess": threads,
                         **({"gpu": torch.cuda.get_device_name(run.device)} if run.device.type == "cuda" else {})},
            "commands": setup["commands"],
            "trainer": "pytorch",
            **({"initializedFrom": {k: v for k, v in setup["initializedFrom"].items() if k != "curve"}} if setup.get("initializedFrom") else {}),
            "valid": None if valid_nats is None else {"step": step, "natsPerImage": valid_nats, "bitsPerDim": valid_nats / (d * LN2), "images": len(valid),
                                                      **({"given": "the true class of each image",
                                                          "unconditional": {"natsPerImage": history[-1]["validNoneNats"],
                                                                            "bitsPerDim": history[-1]["validNoneBitsPerDim"],
                                                                            "given": "none (the learned null class)"}}
                                                         if class_names and history and "validNoneNats" in history[-1] else {})},
            **({"classes": {"count": len(class_names), "names": class_names, "none": len(class_names), "labelDropout": label_dropout,
                            "source": f"classNames and labels of the {ds.name} manifest"}} if class_names else {}),
            "curve": continued_curve(setup.get("initializedFrom"), history),
        }

    def checkpoint(valid_nats: float | None) -> None:
        cpu = cpu_seconds()  # a collective: every rank calls it
        if not run.main:
            return
        state = {
            "config": config, "setup": setup, "step": step, "epoch": epoch, "pos": pos, "order": order.tolist(),
            "rng": rng.bit_generator.state, "optimizer": opt.state_dict(),
            "weights": {n: p.detach().cpu().clone() for n, p in model.named_weights()},
            "wallSeconds": wall_before + time.time() - t0, "cpuSeconds": cpu, "history": history,
        }
        tmp = out / f".checkpoint.pt.{os.getpid()}.tmp"
        torch.save(state, tmp)
        os.replace(tmp, ck_path)  # atomic: a kill leaves the old checkpoint or the new one, never a mix
        save_model(model, out, card(valid_nats, cpu))

    def validate() -> float:
        nats = evaluate(model, valid, run.device, labels=valid_labels)  # a class-conditional model: given the true classes
        none = {}
        if class_names:
            none_nats = evaluate(model, valid, run.device)  # and given none: its unconditional p(x)
            none = {"validNoneBitsPerDim": none_nats / (d * LN2), "validNoneNats": none_nats}
        train_bpd = float(np.mean(recent)) / (d * LN2) if recent else None
        history.append({"step": step, "wallHours": (wall_before + time.time() - t0) / 3600, "cpuHours": cpu_seconds() / 3600,
                        "trainBitsPerDim": train_bpd, "validBitsPerDim": nats / (d * LN2), "validNats": nats, **none})
        log({"kind": "eval", **history[-1]})
        if run.main:
            fmt = (lambda v: f"{v:.2f} nats") if config["output"] == "binary" else (lambda v: f"{v / (d * LN2):.4f} bits/dim")
            extra = f" given the class, {fmt(none['validNoneNats'])} given none" if none else ""
            print(f"step {step}: valid {fmt(nats)}{extra}  ({history[-1]['wallHours'] * 60:.1f} min)", flush=True)
        recent.clear()
        return nats

    # 3) the loop
    valid_nats = None
    while step < args.steps and not run.all_sum([1.0 if run.main and deadline and time.time() > deadline else 0.0])[0]:
        if pos + global_batch > len(order):
            epoch, pos = epoch + 1, 0
            order = rng.permutation(len(train))
        idx = np.sort(order[pos : pos + global_batch])
        pos += global_batch
        batch = train[idx]
        if ds.kind == "binary":
            batch = dynamic_binarize(batch, rng)
        mine = batch[run.rank * local_batch : (run.rank + 1) * local_batch]
        x = torch.from_numpy(np.ascontiguousarray(mine)).to(run.device).permute(0, 3, 1, 2).float()
        y = None
        if class_names:
            # label dropout: a fraction of the global batch's labels replaced by none (index K), drawn from the
            # shared generator, so every rank drops the same images
            labels = train_labels[idx].astype(np.int64)
            labels[rng.random(len(labels)) < label_dropout] = len(class_names)
            y = torch.from_numpy(labels[run.rank * local_batch : (run.rank + 1) * local_batch]).to(run.device)
        for g in opt.param_groups:
            g["lr"] = lr_at(args, step, deadline - time.time() if deadline else None)
        loss = (net(x) if y is None else net(x, y)).mean()  # nats per image, mean over this rank's slice
        opt.zero_grad(set_to_none=True)
        loss.backward()
        global_loss = run.all_sum([loss.item()])[0] / run.world
        finite = math.isfinite(global_loss)
        if finite and args.clip > 0:
            norm = torch.nn.utils.clip_grad_norm_(params, args.clip)
            finite = bool(torch.isfinite(norm))
        if not finite:
            skipped += 1  # NaN/Inf guard: skip the step, keep the last good weights
            if skipped > 50:
                raise SystemExit("train: more than 50 non-finite steps; lower --lr or add --clip")
        else:
            opt.step()
            recent.append(global_loss)
        step += 1
        if args.log_losses:
            log({"kind": "step", "step": step, "loss": global_loss})
        if args.eval_every and step % args.eval_every == 0:
            valid_nats = validate()
        if run.all_sum([1.0 if run.main and time.time() - last_ck > args.checkpoint_minutes * 60 else 0.0])[0]:
            checkpoint(valid_nats)
            last_ck = time.time()
    if not history or history[-1]["step"] != step:
        valid_nats = validate()
    checkpoint(valid_nats)
    report = {"steps": step, "validNats": valid_nats, "validBitsPerDim": valid_nats / (d * LN2),
              **({"validNoneNats": history[-1]["validNoneNats"], "validNoneBitsPerDim": history[-1]["validNoneBitsPerDim"]} if class_names else {}),
              "wallSeconds": round(wall_before + time.time() - t0), "out": str(out)}
    if run.main:
        print(json.dumps(report), flush=True)
    if run.world > 1:
        dist.destroy_process_group()
    return report


def describe_arch(config: dict) -> str:
    base = {"pixelcnn": "PixelCNN", "rowlstm": "Row LSTM PixelRNN", "diagonal": "Diagonal BiLSTM PixelRNN", "gated": "Gated PixelCNN"}[config["arch"]]
    if config.get("classes"):
        return f"class-conditional {base} ({config['classes']} classes and none)"
    cond = config.get("condition")
    if not cond:
        return base
    return f"Multi-Scale PixelRNN, conditional half: {base} given the {cond['smallHeight']}×{cond['smallWidth']} box-downsampled image"


class NllOf(torch.nn.Module):
    """The model's per-image NLL as a module's forward, so that DistributedDataParallel can wrap it."""

    def __init__(self, model: PixelModel):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return pair_nll(self.model, x, labels)  # a conditional model is given box(x); a class-conditional one its classes


if __name__ == "__main__":
    main()
