"""Binary models' whole-chromosome score as the paper computes it (Fig 4b / ED3, Fig 5b), run
with config/paper.yaml's own evaluation settings through the evaluation code.

The model is a binary classifier with a known answer: its logit for cell line c is
``a_c * (number of G in the window) + b_c`` (sigmoid unless ``model.logits`` is set, the GOPHER
zoo switch). The binary -> quantitative conversion correlates each test window's logit with its
mean coverage, per cell line, so ``pearson_coverage`` must equal scipy's Pearson of the mean
coverage and the G count (its sign flipped where ``a_c < 0``), on the central 2,048 bp
(``input_length``) of the 3,072-bp peak windows and on every whole-chromosome window. The test
sets hold more windows than one streamed chunk (128), so the streaming is exercised too.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import yaml
from scipy.stats import pearsonr
from sklearn.metrics import roc_auc_score
from torch import nn

from regbench.studies.accessibility.datasets import write_arrays
from regbench.studies.accessibility.evaluate import run_evaluations
from tests.conftest import ROOT


def _paper():
    return yaml.safe_load(open(ROOT / "config" / "paper.yaml"))["accessibility"]


class GCount(nn.Module):
    """(N, L, 4) -> (N, C): logit ``a_c * #G + b_c``; probabilities unless ``logits``."""

    def __init__(self, a: np.ndarray, b: np.ndarray, length: int):
        super().__init__()
        self.register_buffer("a", torch.as_tensor(a, dtype=torch.float32))
        self.register_buffer("b", torch.as_tensor(b, dtype=torch.float32))
        self.logits, self.binary = False, True
        self.input_length, self.output_bin_size, self.n_tracks = length, None, len(a)

    def forward(self, x):
        if x.shape[1] != self.input_length:
            raise ValueError(f"GCount: expected {self.input_length} bp, got {x.shape[1]}")
        z = x[..., 2].sum(dim=1, keepdim=True) * self.a + self.b
        return z if self.logits else torch.sigmoid(z)


def _split(rng, n, length, cells, crop, labels=False):
    """Test windows of ``length`` bp; coverage rises with the G count of the central ``crop`` bp
    (plus noise), and is unrelated high noise outside it (a missing crop changes every r)."""
    codes = rng.integers(0, 4, size=(n, length)).astype(np.uint8)
    out = {"codes": codes, "chrom": np.array(["chr8"] * n, dtype=object),
           "start": np.arange(n, dtype=np.int64) * length, "end": np.arange(1, n + 1, dtype=np.int64) * length}
    if labels:
        out["labels"] = rng.integers(0, 2, size=(n, len(cells))).astype(np.int8)
        return out
    s = (length - crop) // 2
    g = (codes[:, s : s + crop] == 2).sum(axis=1)
    level = np.clip((g[:, None, None] - 400) / 20 + rng.normal(0, 1.0, size=(n, 1, len(cells))), 0.1, None)
    y = rng.uniform(0, 100, size=(n, length, len(cells)))
    y[:, s : s + crop] = level * rng.uniform(0.5, 1.5, size=(n, crop, len(cells)))
    out["y"] = y.astype(np.float16)
    return out


@pytest.fixture
def paper_sets(tmp_path):
    cfg = _paper()
    cells = cfg["cells"]
    L = int(cfg["input_length"])
    rng = np.random.default_rng(3)
    sets, paths = {}, {}
    for name, length, kind, n in (("whole", L, "coverage", 150), ("peak", int(cfg["context_length"]), "peak", 140),
                                  ("binary_peak", L, "binary", 130), ("binary_whole", L, "binary", 135)):
        sets[name] = _split(rng, n, length, cells, L, labels=kind == "binary")
        paths[name] = tmp_path / f"{name}.h5"
        write_arrays(paths[name], cells, kind, length, {"test": sets[name]})
    return cfg, cells, sets, {k: str(v) for k, v in paths.items()}


def test_binary_whole_chromosome_score_with_paper_settings(paper_sets, tmp_path):
    cfg, cells, sets, paths = paper_sets
    L = int(cfg["input_length"])
    assert cfg["evaluations"]["binary"][0] == "binary" and cfg["eval_datasets"]["whole"].endswith(f"_{L}")
    C = len(cells)
    rng = np.random.default_rng(4)
    a = rng.uniform(0.002, 0.01, C) * np.where(np.arange(C) % 3 == 1, -1.0, 1.0)  # some cells anti-correlated
    b = rng.normal(0.0, 1.0, C)
    model = GCount(a, b, L)
    spec = {"arch": "basset_exp", "dataset": "binary_2048", "loss": "bce", "bin": None, "aug": "none", "seed": 0, "binary": True}
    df = run_evaluations(["binary"], spec, cfg, model, cells, paths, tmp_path / "out.tsv")
    assert model.logits is False  # the logits copy did not switch the model itself

    def g_count(codes, crop):
        s = (codes.shape[1] - crop) // 2
        return (codes[:, s : s + crop] == 2).sum(axis=1).astype(np.float64)

    for param, name in (("whole", "whole"), ("peak", "peak")):
        d = sets[name]
        s = (d["codes"].shape[1] - L) // 2
        target = d["y"][:, s : s + L].astype(np.float64).mean(axis=1)  # (N, C) mean coverage, central L bp
        g = g_count(d["codes"], L)
        want = np.array([pearsonr(target[:, c], g)[0] * np.sign(a[c]) for c in range(C)])
        got = df[(df["metric"] == "pearson_coverage") & (df["param"] == param)].set_index("cell")["value"]
        assert list(got.index) == [*cells, "mean"]
        np.testing.assert_allclose(got[cells].to_numpy(), want, rtol=1e-6, atol=1e-9)
        assert got["mean"] == pytest.approx(want.mean(), rel=1e-6)
        # the known answer is far from chance (coverage follows the G count, r ~ 0.9; chance
        # |r| < 4 / sqrt(N) ~ 0.34) and its sign is that of a_c
        assert (np.abs(want) > 0.6).all() and (np.sign(want) == np.sign(a)).all()

    # AUROC on the binary test sets: sklearn on the model's own probabilities of every window
    # (float32 sigmoid, as the evaluation predicts them), averaged over cell lines
    for param in ("peak", "whole"):
        d = sets[f"binary_{param}"]
        with torch.no_grad():
            prob = model(torch.as_tensor(np.eye(4, dtype=np.float32)[d["codes"]])).numpy().astype(np.float64)
        want = np.mean([roc_auc_score(d["labels"][:, c], prob[:, c]) for c in range(C)])
        got = df[(df["metric"] == "auroc") & (df["param"] == param)]["value"].iloc[0]
        assert got == pytest.approx(want, rel=1e-12)
