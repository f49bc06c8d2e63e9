"""GIA as the paper runs it: config/paper.yaml's own GIA block through the evaluation code.

The models are motif detectors with known answers: a convolution whose filters are the one-hot
of a 9-mer fires 1 exactly where the 9-mer occurs (bias -8, ReLU), and each cell line's output is
a fixed mix of the detectors, averaged in 32-bp bins (quantitative) or over the window (binary
logits). Embedding a flank variant that contains the AP-1 9-mer ATGACTCAT adds one match per
background sequence, so its GI is ``w / n_bins / 32`` and the best variant of ``..TGA.TCA..`` is
the first (ACGT order) variant holding the 9-mer. The old code embedded ``..GATAA..`` literally
and failed (``ValueError: substring not found``); the block now also names three motif pairs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
import yaml
from torch import nn

from regbench.studies.accessibility import gia as G
from regbench.studies.accessibility.datasets import write_arrays
from regbench.studies.accessibility.evaluate import run_evaluations
from tests.conftest import ROOT

AP1, GATA, ATAAA = "ATGACTCAT", "CTGATAAGA", "GCATAAACG"  # 9-mers the detectors look for


def _paper():
    return yaml.safe_load(open(ROOT / "config" / "paper.yaml"))["accessibility"]


class Detector(nn.Module):
    """(N, L, 4) -> (N, L/32, C) quantitative profile, or (N, C) logits when ``binary``."""

    def __init__(self, n_cells: int, weights: np.ndarray, binary: bool = False):
        super().__init__()
        motifs = [AP1, GATA, ATAAA]
        w = torch.zeros(len(motifs), 4, 9)
        for i, m in enumerate(motifs):
            w[i, ["ACGT".index(b) for b in m], range(9)] = 1.0
        self.register_buffer("w", w)
        self.register_buffer("mix", torch.as_tensor(weights, dtype=torch.float32))  # (motifs, C)
        self.binary, self.logits = binary, True
        self.input_length, self.output_bin_size, self.n_tracks = 2048, None if binary else 32, n_cells

    def forward(self, x):
        hits = torch.relu(nn.functional.conv1d(x.transpose(1, 2), self.w) - 8.0)  # (N, 3, L-8)
        hits = nn.functional.pad(hits, (0, 8))
        track = torch.einsum("nml,mc->nlc", hits, self.mix)  # (N, L, C)
        if self.binary:
            return track.mean(dim=1)
        return track.reshape(track.shape[0], -1, 32, track.shape[-1]).mean(dim=2)


@pytest.fixture
def whole_set(tmp_path):
    """A whole-chromosome test set of 2048-bp windows with coverage > 2 (the GIA pool)."""
    cells = _paper()["cells"]
    rng = np.random.default_rng(0)
    n = 6
    codes = rng.integers(0, 4, size=(n, 2048)).astype(np.uint8)
    y = np.full((n, 2048, len(cells)), 3.0, np.float16)
    split = {"codes": codes, "y": y, "chrom": np.array(["chr8"] * n, dtype=object),
             "start": np.arange(n, dtype=np.int64) * 2048, "end": np.arange(1, n + 1, dtype=np.int64) * 2048}
    path = tmp_path / "whole.h5"
    write_arrays(path, cells, "coverage", 2048, {"test": split})
    return path, cells


def _run(whole_set, binary, n=2):
    path, cells = whole_set
    cfg = _paper()
    cfg["evaluation"]["gia"]["n_sequences"] = n  # a count: every other setting is the paper's
    c = cells.index(cfg["evaluation"]["gia"]["cell"])
    weights = np.zeros((3, len(cells)))
    weights[:, c] = [2.0, 1.0, 0.5]
    weights[:, 0] = [0.5, 0.0, 1.0]
    model = Detector(len(cells), weights, binary)
    arch = "basset_exp" if binary else "resbind32_all_exp"
    spec = {"arch": arch, "dataset": "x", "loss": "bce" if binary else "poisson", "bin": None if binary else 32,
            "aug": "none", "seed": 0, "binary": binary}
    cfg["evaluation_models"] = {}
    df = run_evaluations(["gia"], spec, cfg, model, cells, {"whole": str(path)}, path.parent / "out.tsv")
    return df, cfg, cells, weights


@pytest.mark.parametrize("binary", [False, True])
def test_paper_gia_block_runs_with_known_answers(whole_set, binary):
    df, cfg, cells, weights = _run(whole_set, binary)
    gcfg = cfg["evaluation"]["gia"]
    cell = gcfg["cell"]
    pairs = [G.pair_label(*p) for p in gcfg["motif_pairs"]]
    assert pairs == ["..TGA.TCA..+..TGA.TCA..", "..TGA.TCA..+..GATAA..", "..TGA.TCA..+..ATAAA.."]
    assert np.isfinite(df["value"]).all()

    # flanks: every variant of each wildcard pattern, once per pattern (not per pair)
    fl = df[df["metric"] == "gia_flank"]
    pattern = fl["param"].str.split("|").str[0]
    assert pattern.value_counts().to_dict() == {"..TGA.TCA..": 1024 * len(cells), "..GATAA..": 256 * len(cells), "..ATAAA..": 256 * len(cells)}

    # best flank = first variant (ACGT product order) holding the detector's 9-mer
    best = dict(df[df["metric"] == "gia_best_flank"]["param"].str.split("|").tolist())
    assert best == {"..TGA.TCA..": "AATGACTCATA", "..GATAA..": "CTGATAAGA", "..ATAAA..": "GCATAAACG"}
    # GI of one new match: w / 2048 (quantitative: mean of 32-bp bin means; binary: mean over L)
    c = cells.index(cell)
    gi = fl[(fl["param"] == "..TGA.TCA..|AATGACTCATA") & (fl["cell"] == cell)]["value"].iloc[0]
    assert gi == pytest.approx(weights[0, c] / 2048, rel=1e-4)

    # distance: the whole window every 2 bp (distance_window null), for each of the 3 pairs
    dist = df[df["metric"] == "gia_distance"].copy()
    parts = dist["param"].str.split("|")
    dist["pair"], dist["pos"] = parts.str[0], parts.str[1].astype(int)
    for pair in pairs:
        pos = sorted(set(dist[dist["pair"] == pair]["pos"]))
        m2 = best[pair.split("+")[1]]
        assert pos == list(range(0, 2048 - len(m2), 2)), pair
    # best position = argmax over every scanned position in the cell (overlaps included)
    for row in df[df["metric"] == "gia_best"].itertuples():
        pair, m1, m2, pos, _rel = row.param.split("|")
        d = dist[(dist["pair"] == pair) & (dist["cell"] == cell)]
        assert row.value == pytest.approx(d["value"].max())
        assert int(pos) in set(d[d["value"] == d["value"].max()]["pos"])
        assert (m1, m2) == (best[pair.split("+")[0]], best[pair.split("+")[1]])

    # cooperativity: additive detectors -> both = motif1 + motif2 per sequence when apart
    co = df[df["metric"] == "gia_coop"].copy()
    co[["pair", "what"]] = co["param"].str.split("|", expand=True)
    w = co[co["cell"] == cell].pivot_table(index="pair", columns="what", values="value")
    far = df[df["metric"] == "gia_best"]["param"].str.split("|").str[4] != ""
    assert far.any()
    for pair in w.index:
        rel = df[(df["metric"] == "gia_best") & df["param"].str.startswith(pair + "|")]["param"].iloc[0].split("|")[4]
        if rel != "":
            assert w.loc[pair, "both"] == pytest.approx(w.loc[pair, "motif1"] + w.loc[pair, "motif2"], rel=1e-6, abs=1e-9)


def test_pattern_expansion_and_literal_embedding_errors():
    x = np.eye(4, dtype=np.float32)[np.zeros((1, 20), int)]
    with pytest.raises(ValueError, match="wildcards are expanded"):
        G.embed(x, [("..GATAA..", 3)])
    with pytest.raises(ValueError, match="only A, C, G, T"):
        G.expand_pattern("..GATNA..")
    assert len(G.expand_pattern("..GATAA..")) == 256 and len(G.expand_pattern("GATAA")) == 1


def test_distance_window_is_a_subset_of_the_full_scan():
    full = G.distance_positions(2048, 9, 2)
    sub = G.distance_positions(2048, 9, 2, centre=1024, len1=11, window=250)
    assert set(sub) <= set(full) and min(sub) >= 1024 - 250 - 9 and max(sub) <= 1024 + 11 + 250
    assert full == list(range(0, 2039, 2))


def test_pwm_score_of_the_paper_marker():
    """Fig 6a: the paper gives MA0491.1's PWM score of TGTGATTCATG as 12.800."""
    s = G.pwm_scores(["TGTGATTCATG", "TGTGATTCAT", "TGTGANTCATG"], "MA0491.1")
    assert s[0] == pytest.approx(12.800, abs=5e-4)
    assert np.isnan(s[1]) and np.isnan(s[2])  # wrong length / not ACGT
