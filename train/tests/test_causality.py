"""The PyTorch models pass the same causality check as the TypeScript ones (test/core/causality.test.ts):
the gradient of the logits of sub-pixel (i, j, c) with respect to the input is exactly zero at (i, j, c) and
every later sub-pixel, and non-zero for earlier neighbours."""
import pytest
import torch

from helpers import CASES, conditional_config, tiny_config
from pixelrnn.model import PixelModel


def input_gradient(model, config, i, j, c):
    torch.manual_seed(0)
    hi = 2 if config["output"] == "binary" else 256
    x = torch.randint(0, hi, (1, config["channels"], config["height"], config["width"])).float().requires_grad_(True)
    small = None
    if "condition" in config:
        f = config["height"] // config["condition"]["smallHeight"]
        small = x.detach()[:, :, ::f, ::f]
    y = model(x, small)
    out = y[0, c, :, i, j].sum() if y.dim() == 5 else y[0, c, i, j]
    (g,) = torch.autograd.grad(out, x)
    return g[0]  # [C,H,W]


def later_mask(config, i, j, c):
    """True at (i, j, c) and every sub-pixel after it in raster × RGB order."""
    C, H, W = config["channels"], config["height"], config["width"]
    m = torch.zeros(C, H, W, dtype=torch.bool)
    for y in range(H):
        for x in range(W):
            for k in range(C):
                m[k, y, x] = (y, x, k) >= (i, j, c)
    return m


@pytest.mark.parametrize("arch,channels", CASES)
def test_no_sub_pixel_sees_itself_or_the_future(arch, channels):
    config = tiny_config(arch, channels)
    model = PixelModel(config)
    H, W = config["height"], config["width"]
    for i, j in [(0, 0), (0, W - 1), (H // 2, W // 2), (H - 1, W - 1)]:
        for c in range(channels):
            g = input_gradient(model, config, i, j, c)
            later = later_mask(config, i, j, c)
            assert torch.all(g[later] == 0), (i, j, c)
            if (i, j, c) != (0, 0, 0):
                assert torch.any(g[~later] != 0), (i, j, c)


@pytest.mark.parametrize("arch,channels", [("rowlstm", 3), ("diagonal", 1)])
def test_conditional_model_is_causal_in_the_large_image(arch, channels):
    config = conditional_config(arch, channels)
    model = PixelModel(config)
    i, j = 5, 3
    for c in range(channels):
        g = input_gradient(model, config, i, j, c)
        assert torch.all(g[later_mask(config, i, j, c)] == 0)


def test_green_sees_red_of_the_same_pixel_but_red_does_not_see_green():
    config = tiny_config("pixelcnn", 3)
    model = PixelModel(config)
    g_of_green = input_gradient(model, config, 2, 2, 1)
    g_of_red = input_gradient(model, config, 2, 2, 0)
    assert g_of_green[0, 2, 2] != 0
    assert g_of_red[1, 2, 2] == 0 and g_of_red[0, 2, 2] == 0
