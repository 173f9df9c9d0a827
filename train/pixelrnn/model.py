"""PixelCNN, Row LSTM and Diagonal BiLSTM PixelRNNs and the Gated PixelCNN in PyTorch: the graph of
src/core/models/pixelModel.ts (and src/core/models/gated.ts).

Parameters are stored under the TypeScript names and in tfjs's layouts (convolutions [kh, kw, cin, cout],
the Diagonal BiLSTM's state-to-state [2h, 4h], transposed convolutions [kh, kw, cout, cin]), so a model.json
written by either side loads in the other without renaming or reshaping: the one weight layout is the one the
TypeScript ParamStore creates. Kernels are permuted to PyTorch's layout inside `forward`.

Tensors are NCHW here; `logits_nhwc` returns the TypeScript layout for comparisons.
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .config import validate_config
from .masks import channel_groups, conv_mask, gate_groups


class ParamStore(nn.Module):
    """Parameters by their saved name ("l3/is/w"), in creation order (the order of weights.bin)."""

    def __init__(self, generator: torch.Generator):
        super().__init__()
        self.params = nn.ParameterDict()
        self.names: list[str] = []
        self.generator = generator

    @staticmethod
    def key(name: str) -> str:
        return name.replace("/", "__")

    def add(self, name: str, value: torch.Tensor) -> nn.Parameter:
        if name in self.names:
            raise ValueError(f'Duplicate parameter name "{name}"')
        p = nn.Parameter(value)
        self.params[self.key(name)] = p
        self.names.append(name)
        return p

    def glorot(self, name: str, shape: list[int], fan_in: int, fan_out: int) -> nn.Parameter:
        limit = math.sqrt(6 / (fan_in + fan_out))
        return self.add(name, (torch.rand(shape, generator=self.generator) * 2 - 1) * limit)

    def fill(self, name: str, shape: list[int], value: float) -> nn.Parameter:
        return self.add(name, torch.full(shape, float(value)))

    def get(self, name: str) -> nn.Parameter:
        return self.params[self.key(name)]

    def named(self):
        return [(n, self.get(n)) for n in self.names]


def forget_bias(h: int) -> torch.Tensor:
    b = torch.zeros(4 * h)
    b[h : 2 * h] = 1
    return b


class MaskedConv(nn.Module):
    """'same' convolution conv(x, W ⊙ M), weights [kh, kw, cin, cout] (SPEC.md §2)."""

    def __init__(self, store: ParamStore, name: str, kh: int, kw: int, in_groups, out_groups, mask: str | None,
                 bias: bool = True, bias_init: torch.Tensor | None = None):
        super().__init__()
        cin, cout = len(in_groups), len(out_groups)
        self.kh, self.kw, self.cout = kh, kw, cout
        self.w = store.glorot(f"{name}/w", [kh, kw, cin, cout], kh * kw * cin, cout)
        self.b = None
        if bias:
            self.b = store.add(f"{name}/b", bias_init.clone() if bias_init is not None else torch.zeros(cout))
        m = conv_mask(kh, kw, in_groups, out_groups, mask) if mask else None
        self.register_buffer("mask", torch.from_numpy(m) if m is not None else None, persistent=False)

    def kernel(self) -> torch.Tensor:
        w = self.w * self.mask if self.mask is not None else self.w
        return w.permute(3, 2, 0, 1)  # [kh,kw,cin,cout] → [cout,cin,kh,kw]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.kernel(), self.b, padding=(self.kh // 2, self.kw // 2))


def unmasked_1x1(store: ParamStore, name: str, cin: int, cout: int) -> MaskedConv:
    return MaskedConv(store, name, 1, 1, np.zeros(cin, np.int32), np.zeros(cout, np.int32), None, bias=False)


def lstm_cell(gates: torch.Tensor, c_prev: torch.Tensor, dim: int):
    """[o, f, i, g] = gates along `dim`; c = σ(f)c + σ(i)tanh(g); h = σ(o)tanh(c) (SPEC.md §3)."""
    o, f, i, g = gates.chunk(4, dim)
    c = torch.sigmoid(f) * c_prev + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


class ConvBlock(nn.Module):
    """2h → ReLU, 1×1 → h → ReLU, 3×3 mask B → h (the layer's ReLU and 1×1 → 2h are in PixelModel)."""

    def __init__(self, store, name, h, groups, cond_channels):
        super().__init__()
        g1, g2 = channel_groups(h, groups), channel_groups(2 * h, groups)
        self.down = MaskedConv(store, f"{name}/down", 1, 1, g2, g1, "B")
        self.conv = MaskedConv(store, f"{name}/conv", 3, 3, g1, g1, "B")
        self.cond = unmasked_1x1(store, f"{name}/cond", cond_channels, h) if cond_channels else None

    def forward(self, x, cmap=None):
        s = self.conv(F.relu(self.down(F.relu(x))))
        if self.cond is not None and cmap is not None:
            s = s + self.cond(cmap)
        return s


class RowLSTM(nn.Module):
    """1×3 mask-B input-to-state along the row; 1×3 unmasked state-to-state over the row above."""

    def __init__(self, store, name, h, groups, cond_channels):
        super().__init__()
        self.h = h
        self.is_ = MaskedConv(store, f"{name}/is", 1, 3, channel_groups(2 * h, groups), gate_groups(h, 4, groups), "B",
                              bias_init=forget_bias(h))
        self.ss = store.glorot(f"{name}/ss/w", [1, 3, h, 4 * h], 3 * h, 4 * h)
        self.h0 = store.fill(f"{name}/h0", [h], 0)
        self.c0 = store.fill(f"{name}/c0", [h], 0)
        self.cond = unmasked_1x1(store, f"{name}/cond", cond_channels, 4 * h) if cond_channels else None

    def forward(self, x, cmap=None):
        s = self.is_(x)  # [B,4h,H,W]
        if self.cond is not None and cmap is not None:
            s = s + self.cond(cmap)
        b, _, rows, w = s.shape
        k = self.ss[0].permute(2, 1, 0)  # [1,3,h,4h] → [4h,h,3]
        hp = self.h0.view(1, self.h, 1).expand(b, self.h, w)
        cp = self.c0.view(1, self.h, 1).expand(b, self.h, w)
        out = []
        # unbind, not s[:, :, r, :]: the backward of each slice would allocate and fill a whole [B,4h,H,W]
        # gradient, O(H²) memory traffic per layer (40% of a step); unbind's backward stacks once.
        for r, s_row in enumerate(s.unbind(2)):
            gates = s_row + F.conv1d(hp, k, padding=1)  # [B,4h,W]
            hp, cp = lstm_cell(gates, cp, 1)
            out.append(hp)
        return torch.stack(out, 2)  # [B,h,H,W]


def skew(x: torch.Tensor) -> torch.Tensor:
    """[N,C,H,W] → [N,C,H,W+H−1], row r shifted right by r (as src/core/layers/skew.ts)."""
    n, c, h, w = x.shape
    flat = F.pad(x, (0, h)).reshape(n, c, h * (w + h))
    return flat[:, :, : h * (w + h - 1)].reshape(n, c, h, w + h - 1)


def unskew(x: torch.Tensor, width: int) -> torch.Tensor:
    n, c, h, ls = x.shape
    flat = F.pad(x.reshape(n, c, h * ls), (0, h))
    return flat.reshape(n, c, h, ls + 1)[:, :, :, :width]


def shift_down(x: torch.Tensor) -> torch.Tensor:
    return F.pad(x, (0, 0, 1, 0))[:, :, :-1, :]


class DiagonalDirection(nn.Module):
    def __init__(self, store, name, h, groups, cond_channels):
        super().__init__()
        self.is_ = MaskedConv(store, f"{name}/is", 1, 1, channel_groups(2 * h, groups), gate_groups(h, 4, groups), "B",
                              bias_init=forget_bias(h))
        self.ss = store.glorot(f"{name}/ss/w", [2 * h, 4 * h], 2 * h, 4 * h)
        self.h0 = store.fill(f"{name}/h0", [h], 0)
        self.c0 = store.fill(f"{name}/c0", [h], 0)
        self.cond = unmasked_1x1(store, f"{name}/cond", cond_channels, 4 * h) if cond_channels else None

    def input_to_state(self, x, cmap=None):
        s = self.is_(x)
        return s + self.cond(cmap) if self.cond is not None and cmap is not None else s


class DiagonalBiLSTM(nn.Module):
    """Both directions scanned together over the columns of the skewed maps; the mirrored direction's
    output is shifted down one row before the sum (SPEC.md §3)."""

    def __init__(self, store, name, h, groups, cond_channels):
        super().__init__()
        self.h = h
        self.fw = DiagonalDirection(store, f"{name}/fw", h, groups, cond_channels)
        self.bw = DiagonalDirection(store, f"{name}/bw", h, groups, cond_channels)

    def forward(self, x, cmap=None):
        b, _, rows, w = x.shape
        h = self.h
        both = torch.cat([self.fw.input_to_state(x, cmap), self.bw.input_to_state(x, cmap).flip(3)], 0)  # [2B,4h,H,W]
        cols = skew(both).permute(3, 0, 2, 1)  # [L,2B,H,4h]
        # State-to-state as 1×1 convolutions over a batch of B·H "pixels": oneDNN runs them; bmm/mm would run
        # Debian torch's generic BLAS, 5–8× slower for these shapes (and 40% of a step).
        ss = [d.ss.t().reshape(4 * h, 2 * h, 1, 1) for d in (self.fw, self.bw)]  # [2h,4h] → [4h,2h,1,1]
        hs = torch.cat([self.fw.h0.view(1, 1, h).expand(b, rows, h), self.bw.h0.view(1, 1, h).expand(b, rows, h)], 0)
        cs = torch.cat([self.fw.c0.view(1, 1, h).expand(b, rows, h), self.bw.c0.view(1, 1, h).expand(b, rows, h)], 0)
        out = []
        for col in cols:
            up = F.pad(hs, (0, 0, 1, 0))[:, :-1]  # row r gets row r−1's state
            inp = torch.cat([hs, up], 2).reshape(2, b * rows, 2 * h, 1, 1)
            gates = col + torch.cat([F.conv2d(inp[0], ss[0]), F.conv2d(inp[1], ss[1])]).reshape(2 * b, rows, 4 * h)
            hs, cs = lstm_cell(gates, cs, 2)
            out.append(hs)
        states = torch.stack(out, 3).permute(0, 2, 1, 3)  # [2B,H,h,L] → [2B,h,H,L]
        y = unskew(states, w)
        return y[:b] + shift_down(y[b:].flip(3))


class ConditioningNet(nn.Module):
    """Small image → stride-2 transposed 4×4 convolutions (ReLU between) → c × n × n map."""

    def __init__(self, store, cond: dict, channels: int, binary: bool, height: int):
        super().__init__()
        self.binary = binary
        steps = int(round(math.log2(height / cond["smallHeight"])))
        self.kernels, self.biases = [], []
        cin = channels
        for i in range(steps):
            cout = cond["mapChannels"]
            self.kernels.append(store.glorot(f"cond/up{i}/w", [4, 4, cout, cin], 4 * cin, 4 * cout))
            self.biases.append(store.fill(f"cond/up{i}/b", [cout], 0))
            cin = cout

    def forward(self, small):
        x = normalize(small, self.binary)
        for i, (k, b) in enumerate(zip(self.kernels, self.biases)):
            x = F.conv_transpose2d(x, k.permute(3, 2, 0, 1), b, stride=2, padding=1)  # [4,4,cout,cin] → [cin,cout,4,4]
            if i < len(self.kernels) - 1:
                x = F.relu(x)
        return x


GATED_KERNEL = 3  # kernel of the gated layers after the first (src/core/models/gated.ts)


class StackConv(nn.Module):
    """A stack convolution of the Gated PixelCNN (src/core/layers/gated.ts), r = k // 2: vertical (r+1) × k over
    rows i−r … i (no colour mask), or horizontal 1 × (r+1) over columns j−r … j with mask A/B at its last tap.
    Weights are stored in those live shapes [kh, kw, cin, cout]; padded on the input side here."""

    def __init__(self, store, name, kind, k, in_groups, out_groups, mask=None):
        super().__init__()
        self.kind, self.r = kind, k // 2
        r = self.r
        kh, kw = (r + 1, k) if kind == "vertical" else (1, r + 1)
        cin, cout = len(in_groups), len(out_groups)
        self.w = store.glorot(f"{name}/w", [kh, kw, cin, cout], kh * kw * cin, cout)
        self.b = store.fill(f"{name}/b", [cout], 0)
        m = conv_mask(1, k, in_groups, out_groups, mask or "B")[:, : r + 1] if kind == "horizontal" else None
        self.register_buffer("mask", torch.from_numpy(np.ascontiguousarray(m)) if m is not None else None, persistent=False)

    def forward(self, x):
        w = self.w * self.mask if self.mask is not None else self.w
        r = self.r
        pad = (r, r, r, 0) if self.kind == "vertical" else (r, 0, 0, 0)  # (left, right, top, bottom)
        return F.conv2d(F.pad(x, pad), w.permute(3, 2, 0, 1), self.b)


def gate(pre: torch.Tensor) -> torch.Tensor:
    """tanh(f) ⊙ σ(g) for [f, g] along the channels. f is made contiguous first: this build's tanh on the strided
    half of a tensor ran 15× slower than on a contiguous copy (190 against 12.5 ms for [16,28,28,28])."""
    f, g = pre.chunk(2, 1)
    return torch.tanh(f.contiguous()) * torch.sigmoid(g)


class GatedLayer(nn.Module):
    """Both stacks of one gated layer (src/core/layers/gated.ts): v' = gate(Wv ∗ v + ev[y]);
    out(gate(Wh ∗ h + eh[y] + link(shift_down(Wv ∗ v + ev[y])))) for the horizontal stack (residual added by the
    caller). ev, eh: the class tables [K+1, 2n] of a class-conditional model (row K: "none"), a per-image bias."""

    def __init__(self, store, name, k, in_groups, n, groups, mask, skip, classes=None):
        super().__init__()
        gates, g = gate_groups(n, 2, groups), channel_groups(n, groups)
        self.v = StackConv(store, f"{name}/v", "vertical", k, in_groups, gates)
        self.h = StackConv(store, f"{name}/h", "horizontal", k, in_groups, gates, mask)
        self.link = unmasked_1x1(store, f"{name}/link", 2 * n, 2 * n)
        self.out = MaskedConv(store, f"{name}/out", 1, 1, g, g, "B")
        self.skip = MaskedConv(store, f"{name}/skip", 1, 1, g, g, "B") if skip else None
        self.class_v = self.class_h = None
        if classes:
            self.class_v = store.glorot(f"{name}/v/class", [classes + 1, 2 * n], classes + 1, 2 * n)
            self.class_h = store.glorot(f"{name}/h/class", [classes + 1, 2 * n], classes + 1, 2 * n)

    def forward(self, v, h, last_v=False, labels=None):
        v_pre = self.v(v)  # [B,4h,H,W], rows i−r … i
        h_pre = self.h(h)
        if self.class_v is not None:
            v_pre = v_pre + self.class_v[labels][:, :, None, None]  # [B,2n,1,1]: the same for every pixel
            h_pre = h_pre + self.class_h[labels][:, :, None, None]
        o = self.out(gate(h_pre + self.link(shift_down(v_pre))))  # [B,2h,H,W]
        return (None if last_v else gate(v_pre)), o


class GatedStacks(nn.Module):
    """The Gated PixelCNN's body (src/core/models/gated.ts): a first gated layer "in" (firstKernel, mask A, no
    residual), then `layers` gated layers of kernel 3 (mask B, residual, skips); stacks of 2h features."""

    def __init__(self, store, config):
        super().__init__()
        c, n = config["channels"], 2 * config["hidden"]
        k = config.get("classes")
        self.residual = config["residual"]
        self.first = GatedLayer(store, "in", config["firstKernel"], channel_groups(c, c), n, c, "A", False, k)
        self.layers = nn.ModuleList(
            GatedLayer(store, f"l{l}", GATED_KERNEL, channel_groups(n, c), n, c, "B", config["skip"], k) for l in range(config["layers"])
        )

    def forward(self, x, labels=None):
        v, h = self.first(x, x, len(self.layers) == 0, labels)
        skip_sum = None
        for l, layer in enumerate(self.layers):
            v, o = layer(v, h, l == len(self.layers) - 1, labels)
            h = h + o if self.residual else o
            if layer.skip is not None:
                s = layer.skip(h)
                skip_sum = s if skip_sum is None else skip_sum + s
        return skip_sum if skip_sum is not None else h


def normalize(x: torch.Tensor, binary: bool) -> torch.Tensor:
    """{0,1} → {−1,1}, 0..255 → [−1,1] (src/core/models/normalize.ts)."""
    return x * 2 - 1 if binary else x / 127.5 - 1


class PixelModel(nn.Module):
    """Input: raw sub-pixel values [B,C,H,W] float. Output logits [B,C,256,H,W] or [B,C,H,W] (binary)."""

    def __init__(self, config: dict, seed: int | None = None):
        super().__init__()
        validate_config(config)
        self.config = dict(config)
        c, h, k = config["channels"], config["hidden"], config["firstKernel"]
        g2 = channel_groups(2 * h, c)
        cond = config.get("condition")
        cc = cond["mapChannels"] if cond else None
        gen = torch.Generator().manual_seed(config["seed"] if seed is None else seed)
        store = self.store = ParamStore(gen)
        self.cores, self.outs, self.skips = nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        self.gated = GatedStacks(store, config) if config["arch"] == "gated" else None
        self.first = None if self.gated is not None else MaskedConv(store, "in", k, k, channel_groups(c, c), g2, "A")
        self.conditioning = ConditioningNet(store, cond, c, config["output"] == "binary", config["height"]) if cond else None
        self.first_cond = unmasked_1x1(store, "in/cond", cc, 2 * h) if cc else None
        core = {"pixelcnn": ConvBlock, "rowlstm": RowLSTM, "diagonal": DiagonalBiLSTM, "gated": None}[config["arch"]]
        for l in range(0 if self.gated is not None else config["layers"]):
            self.cores.append(core(store, f"l{l}", h, c, cc))
            self.outs.append(MaskedConv(store, f"l{l}/out", 1, 1, channel_groups(h, c), g2, "B"))
            if config["skip"]:
                self.skips.append(MaskedConv(store, f"l{l}/skip", 1, 1, g2, g2, "B"))
        K = 1 if config["output"] == "binary" else 256
        self.K = K
        hw = config["headWidth"]
        self.head1 = MaskedConv(store, "head1", 1, 1, g2, channel_groups(hw, c), "B")
        self.head2 = MaskedConv(store, "head2", 1, 1, channel_groups(hw, c), channel_groups(c * K, c), "B")

    def class_labels(self, x: torch.Tensor, labels) -> torch.Tensor | None:
        """The class of each image as a LongTensor [B] for a class-conditional model: `labels` ([B] ints in
        [0, K], K = none), one int for the whole batch, or None (= none: the unconditional model)."""
        k = self.config.get("classes")
        if not k:
            if labels is not None:
                raise ValueError("This model takes no class")
            return None
        b = x.shape[0]
        if labels is None:
            labels = k
        if isinstance(labels, int):
            labels = torch.full((b,), labels, dtype=torch.long)
        labels = torch.as_tensor(labels, dtype=torch.long, device=x.device).reshape(-1)
        if labels.shape[0] != b:
            raise ValueError(f"{labels.shape[0]} classes for {b} images")
        if bool(((labels < 0) | (labels > k)).any()):
            raise ValueError(f"a class must be in [0, {k}] ({k}: none)")
        return labels

    def forward(self, x: torch.Tensor, small: torch.Tensor | None = None, labels=None) -> torch.Tensor:
        cfg = self.config
        cmap = None
        if self.conditioning is not None:
            if small is None:
                raise ValueError("This model is conditional: pass the small images it is conditioned on")
            cmap = self.conditioning(small)
        if self.gated is not None:
            return self.head(self.gated(normalize(x, cfg["output"] == "binary"), self.class_labels(x, labels)))
        if labels is not None:
            raise ValueError("This model takes no class")
        z = self.first(normalize(x, cfg["output"] == "binary"))  # [B,2h,H,W]
        if self.first_cond is not None:
            z = z + self.first_cond(cmap)
        skip_sum = None
        for i, core in enumerate(self.cores):
            y = core(z, cmap)
            if cfg["arch"] == "pixelcnn":
                y = F.relu(y)
            o = self.outs[i](y)
            z = z + o if cfg["residual"] else o
            if cfg["skip"]:
                s = self.skips[i](z)
                skip_sum = s if skip_sum is None else skip_sum + s
        return self.head(skip_sum if skip_sum is not None else z)

    def head(self, z: torch.Tensor) -> torch.Tensor:
        """ReLU → 1×1 → ReLU → 1×1, mask B: [B,2h,H,W] → logits."""
        y = self.head2(F.relu(self.head1(F.relu(z))))  # [B,C·K,H,W]
        b, _, hh, ww = y.shape
        return y if self.K == 1 else y.view(b, self.config["channels"], 256, hh, ww)

    def nll_per_image(self, x: torch.Tensor, small: torch.Tensor | None = None, labels=None) -> torch.Tensor:
        """NLL in nats of every image [B] (src/core/likelihood.ts); x holds the raw integer values; `labels` the
        classes of a class-conditional model (None: none, the unconditional p(x))."""
        logits = self(x, small, labels)
        b = x.shape[0]
        if self.K == 1:
            return F.binary_cross_entropy_with_logits(logits, x, reduction="none").reshape(b, -1).sum(1)
        # [B,C,256,H,W] viewed as [B·C,256,H,W]: the classes stay in their contiguous planes (a transpose to
        # [B,256,C,H,W] made log-softmax and its backward walk strided memory).
        _, c, k, hh, ww = logits.shape
        return F.cross_entropy(logits.reshape(b * c, k, hh, ww), x.long().reshape(b * c, hh, ww), reduction="none").reshape(b, -1).sum(1)

    def logits_nhwc(self, x_nhwc: torch.Tensor, small_nhwc: torch.Tensor | None = None, labels=None) -> torch.Tensor:
        """The TypeScript layout: [B,H,W,C] in, [B,H,W,C,256] or [B,H,W,C] out."""
        small = small_nhwc.permute(0, 3, 1, 2) if small_nhwc is not None else None
        y = self(x_nhwc.permute(0, 3, 1, 2), small, labels)
        return y.permute(0, 2, 3, 1) if self.K == 1 else y.permute(0, 3, 4, 1, 2)

    def named_weights(self):
        """(name, parameter) in the TypeScript layout and creation order."""
        return self.store.named()
