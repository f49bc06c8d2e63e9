"""config/paper.yaml's accessibility grids and schedules against the spec (specs/accessibility.md).

* training schedules per architecture (§4.2, §4.4): Basenji/BPNet patience 6, LR x0.3 after 10
  (never fires), last epoch; CNN/ResidualBind "new models" patience 10, LR x0.2 after 3, last
  epoch; binary models patience 10, LR x0.2 after 3, best weights; the SF1 sweep 40 epochs, LR
  patience 6; and the schedule itself run through the trainer with those settings;
* the model sets the panels use: the 56 CAGI models (§5.8), the 26 models of Fig 4b (§5.6),
  Supp Table 2's peak-trained vs coverage-trained models, the 224-model paper grid + SF1 sweep.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
import yaml
from torch import nn

from regbench.studies.accessibility.experiments import expand_experiments, selected, train_config
from tests.conftest import ROOT

NEW = ("cnn_all", "cnn_task", "resbase_", "resbind32_")


@pytest.fixture(scope="module")
def paper():
    return yaml.safe_load(open(ROOT / "config" / "paper.yaml"))["accessibility"]


def _evaluated(cfg, evaluation):
    models = expand_experiments(cfg)
    return [(e, s, spec) for e, ms in models.items() for s, spec in ms.items()
            if evaluation in cfg["evaluations"].get(e, []) and selected(evaluation, s, cfg, e)]


def test_schedules_per_architecture(paper):
    for exp, models in expand_experiments(paper).items():
        for slug, spec in models.items():
            t = train_config(spec, paper)
            key = (t.patience, t.plateau_factor, t.plateau_patience, t.select, t.max_epochs, t.schedule)
            if spec["binary"]:
                assert key == (10, 0.2, 3, "best", 100, "plateau"), slug
            elif spec["arch"].startswith(NEW):
                assert key == (10, 0.2, 3, "last", 100, "plateau"), slug
            elif spec["arch"].startswith("bpnet_sweep"):
                assert key == (6, 0.3, 6, "last", 40, "plateau"), slug
            else:
                assert spec["arch"] in ("basenji", "bpnet"), slug
                assert key == (6, 0.3, 10, "last", 100, "plateau"), slug
            assert t.lr == 1e-3 and t.batch_size == 64 and t.seed == spec["seed"]


class _Stuck(nn.Module):
    """Constant output: the validation loss never improves after epoch 1."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return 0.0 * self.w + torch.full((x.shape[0], 2), 0.5)


@pytest.mark.parametrize("which,lrs,epochs", [
    # new models: LR x0.2 at the 3rd epoch without improvement (epochs 4, 7, 10), stop at the 10th (epoch 11)
    ("resbind32_all_exp", [1e-3] * 4 + [2e-4] * 3 + [4e-5] * 3 + [8e-6], 11),
    # Basenji/BPNet: early stopping (6) comes before the LR patience (10): no decay
    ("basenji", [1e-3] * 7, 7),
    # binary models: same schedule as the new models (Keras ReduceLROnPlateau 0.2 / 3, EarlyStopping 10)
    ("basset_exp", [1e-3] * 4 + [2e-4] * 3 + [4e-5] * 3 + [8e-6], 11),
])
def test_schedule_runs_with_paper_settings(paper, tmp_path, which, lrs, epochs):
    """GOPHER LRDecay / Keras semantics: the LR drops at the patience-th consecutive epoch
    without a strictly lower validation loss; early stopping at the patience-th."""
    from regbench.train.trainer import fit

    spec = {"arch": which, "seed": 0, "binary": which.startswith("basset")}
    t = train_config(spec, paper, device="cpu")
    t.steps_per_epoch, t.batch_size = 1, 4
    x = np.zeros((8, 10, 4), np.float32)
    y = np.ones((8, 2), np.float32)
    res = fit(_Stuck(), (x, y), (x, y), lambda p, q: ((p - q) ** 2).mean(), t, tmp_path)
    assert res.epochs_run == epochs
    assert res.history["lr"].to_numpy() == pytest.approx(lrs)


def test_cagi_models_are_the_papers_56(paper):
    ev = _evaluated(paper, "cagi")
    assert len(ev) == 56
    groups = pd.Series([
        "binary" if spec["binary"] else "new" if spec["arch"].startswith(NEW)
        else "augmentation" if e == "augmentation" else "bin_size" for e, _, spec in ev
    ]).value_counts().to_dict()
    assert groups == {"new": 16, "binary": 8, "augmentation": 16, "bin_size": 16}
    aug = [spec for e, _, spec in ev if e == "augmentation"]
    assert {(s["arch"], s["bin"]) for s in aug} == {("basenji", 128), ("bpnet", 1)}
    assert all(s["seed"] == 0 for s in aug)
    assert len({(s["arch"], s["dataset"][:4], s["aug"]) for s in aug}) == 16  # every dataset x RC x shift group
    bins = [spec for e, _, spec in ev if e == "loss_resolution"]
    assert sorted((s["arch"], s["bin"]) for s in bins) == sorted((a, b) for a in ("basenji", "bpnet") for b in (1, 32, 64, 128, 256, 512, 1024, 2048))
    assert all(s["loss"] == "poisson" for s in bins)


def test_binary_comparison_models(paper):
    """Fig 4b / ED3: 16 new models, Basenji-128, BPNet-1 (i_2048, RC, no shift) and 8 binary."""
    ev = _evaluated(paper, "binary")
    assert len(ev) == 26
    quant_old = sorted(s for _, s, spec in ev if spec["arch"] in ("basenji", "bpnet"))
    assert quant_old == ["basenji-coverage_3072-poisson-b128-rc_shift-s0", "bpnet-coverage_2048-poisson-b1-rc-s0"]


def test_targeted_table_compares_peak_and_coverage_training(paper):
    ev = _evaluated(paper, "peak")
    thr = {(spec["dataset"], spec["bin"]) for e, _, spec in ev if e == "threshold"}
    assert thr == {(d, b) for d in ("peak_3072", "coverage_3072") for b in (1, 32, 64, 128, 256, 512, 1024, 2048)}


def test_paper_grid_and_sweep(paper):
    models = expand_experiments(paper)
    sizes = {e: len(m) for e, m in models.items()}
    assert sum(v for k, v in sizes.items() if k != "sweeps") == 224
    assert sizes["sweeps"] == 9
    sweep = [paper["architectures"][s["arch"]]["hparams"] for s in models["sweeps"].values()]
    assert {(h["filters"], h["kernel_3"]) for h in sweep} == {(f, k) for f in (64, 128, 256) for k in (7, 17, 25)}
    aug = models["augmentation"].values()
    # shift runs crop 3072-bp windows; no-shift runs use the 2048-bp datasets (specs §4.3)
    assert all(s["dataset"].endswith("_3072") == ("shift" in s["aug"]) for s in aug)
