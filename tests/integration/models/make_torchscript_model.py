#!/usr/bin/python3
"""Builds the TorchScript models of torchscript_test.cpp, as a data scientist would.

Usage: /usr/bin/python3 make_torchscript_model.py OUT_DIR

Writes into OUT_DIR, for each model NAME: NAME.pt (TorchScript), NAME.yaml (the spec the torchscript
plugin reads) and, in expected.json, the raw inputs the test feeds the plugin and the probabilities
Python's torch computes for them (after the spec's normalisation, and softmax for logits).
Everything is deterministic: fixed seed, inputs from sin/cos patterns.
"""
import json
import os
import sys
import warnings

try:
    import numpy as np
    import torch
    from torch import nn
except ImportError as error:
    sys.exit(f"cannot import torch in {sys.executable} ({error}): install Debian's python3-torch "
             "with .ci/install-deps.sh")

BATCH = 8
LABELS = ["down", "flat", "up"]


class DirectionTransformer(nn.Module):
    """A small Transformer encoder over [batch, window, features] returning class probabilities.
    Its learned positional table has exactly `window` rows, so another window does not fit."""

    def __init__(self, window: int, features: int, d_model: int = 16):
        super().__init__()
        self.embed = nn.Linear(features, d_model)
        self.position = nn.Parameter(torch.randn(window, d_model) * 0.1)
        layer = nn.TransformerEncoderLayer(d_model, nhead=4, dim_feedforward=32, dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=2)
        self.head = nn.Linear(d_model, len(LABELS))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(self.embed(x) + self.position)
        return torch.softmax(self.head(hidden[:, -1, :]), dim=1)


class DirectionGru(nn.Module):
    """A GRU returning logits (the spec says kind: logits, so the plugin applies softmax)."""

    def __init__(self, features: int, hidden: int = 12):
        super().__init__()
        self.gru = nn.GRU(features, hidden, batch_first=True)
        self.head = nn.Linear(hidden, len(LABELS))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.gru(x)
        return self.head(out[:, -1, :])


class NanOnNegative(nn.Module):
    """Logits that are NaN when the last step's first feature is negative (sqrt of it)."""

    def __init__(self, features: int):
        super().__init__()
        self.head = nn.Linear(features, len(LABELS))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        last = x[:, -1, :]
        return self.head(last) * torch.sqrt(last[:, :1])


def pattern_inputs(window: int, features: int) -> np.ndarray:
    """Raw feature values [BATCH, window, features]: each feature its own offset and scale."""
    b, t, f = np.meshgrid(np.arange(BATCH), np.arange(window), np.arange(features), indexing="ij")
    offset = 0.01 * np.arange(features) - 0.02
    scale = 0.005 * (1 + np.arange(features))
    wave = np.sin(0.37 * t + 0.91 * f + 0.53 * b) * np.cos(0.11 * t * (f + 1) + b)
    return (offset + scale * wave).astype(np.float32)


def normalization_for(features: int) -> dict:
    return {"mean": [round(0.01 * i - 0.021, 6) for i in range(features)],
            "std": [round(0.004 * (1 + i), 6) for i in range(features)]}


def normalize(x: np.ndarray, z: dict) -> np.ndarray:
    # As smoops::Normalization::apply: in double, then rounded to float.
    return ((x.astype(np.float64) - np.array(z["mean"])) / np.array(z["std"])).astype(np.float32)


def spec_yaml(pt: str, window: int, features: list, kind: str, z: dict = None) -> str:
    lines = [f"file: {pt}", "input:", f"  window: {window}", f"  features: [{', '.join(features)}]"]
    if z:
        lines += ["  normalization:",
                  f"    mean: [{', '.join(repr(v) for v in z['mean'])}]",
                  f"    std: [{', '.join(repr(v) for v in z['std'])}]"]
    lines += ["output:", f"  labels: [{', '.join(LABELS)}]", f"  kind: {kind}"]
    return "\n".join(lines) + "\n"


def export(out_dir: str, name: str, module: nn.Module, scripted: bool, window: int, features: list,
           kind: str, z: dict = None) -> dict:
    module.eval()
    raw = pattern_inputs(window, len(features))
    x = torch.from_numpy(normalize(raw, z) if z else raw)
    with torch.inference_mode():
        exported = torch.jit.script(module) if scripted else torch.jit.trace(module, x)
        exported.save(os.path.join(out_dir, f"{name}.pt"))
        # The expected values come from the saved file, as the plugin will run it.
        y = torch.jit.load(os.path.join(out_dir, f"{name}.pt"))(x)
        if kind == "logits":
            y = torch.softmax(y, dim=1)
    with open(os.path.join(out_dir, f"{name}.yaml"), "w") as f:
        f.write(spec_yaml(f"{name}.pt", window, features, kind, z))
    return {"spec": f"{name}.yaml", "batch": BATCH, "window": window, "features": features,
            "inputs": [float(v) for v in raw.reshape(-1)],
            "outputs": [float(v) for v in y.numpy().reshape(-1)]}


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: make_torchscript_model.py OUT_DIR")
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    warnings.filterwarnings("ignore")  # TorchScript's notes on nn.Transformer constants
    torch.manual_seed(7)
    torch.set_num_threads(1)

    default = ["ret_1", "ret_4", "ret_16", "vol_16", "rsi_14", "sma_gap_32", "volume_ratio_32", "range", "body"]
    small = ["ret_1", "vol_16", "rsi_14", "log_volume", "body"]
    models = {
        "transformer": export(out_dir, "transformer", DirectionTransformer(32, len(default)), True, 32, default,
                              "probabilities", normalization_for(len(default))),
        "gru": export(out_dir, "gru", DirectionGru(len(small)), False, 16, small, "logits"),
    }
    # No expected values: the test feeds it a negative value to get a NaN output.
    export(out_dir, "nan_on_negative", NanOnNegative(len(small)), True, 4, small, "logits")
    with open(os.path.join(out_dir, "expected.json"), "w") as f:
        json.dump({"torch_version": torch.__version__, "models": models}, f)


if __name__ == "__main__":
    main()
