"""Tiny configs for the tests: every piece of each architecture, fast on a CPU."""


def tiny_config(arch: str, channels: int, **over) -> dict:
    return {
        "arch": arch, "height": 6, "width": 5, "channels": channels,
        "output": "binary" if channels == 1 else "softmax256",
        "layers": 2, "hidden": 12, "headWidth": 24, "firstKernel": 5,
        "residual": True, "skip": True, "seed": 7, **over,
    }


def conditional_config(arch: str, channels: int) -> dict:
    return tiny_config(arch, channels, height=8, width=8, condition={"smallHeight": 4, "smallWidth": 4, "mapChannels": 5})


CASES = [(a, c) for a in ("pixelcnn", "rowlstm", "diagonal", "gated") for c in (1, 3)]
