"""The DREAM scorer against hand-computed cases and the official subset counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import pearsonr, spearmanr

from regbench.studies.dream import score
from regbench.studies.dream.data import SUBSETS, read_public_ids, read_subsets, subset_sequences

WEIGHTS = {k: v[3] for k, v in SUBSETS.items()}


def _toy():
    # 12 test ids; singles and pairs small enough to compute by hand
    truth = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0])
    pred = np.array([0.0, 2.0, 1.0, 3.0, 5.0, 4.0, 6.0, 8.0, 7.0, 9.0, 11.0, 10.0])
    subsets = {
        "high": np.array([9, 10, 11]),
        "low": np.array([0, 1, 2]),
        "yeast": np.array([3, 4, 5]),
        "random": np.array([0, 3, 6, 9]),
        "challenging": np.array([1, 4, 7, 10]),
        "SNVs": [(0, 1), (2, 3), (4, 6), (7, 11)],
        "motif_perturbation": [(1, 5), (2, 8), (3, 9)],
        "motif_tiling": [(0, 11), (5, 6), (8, 10)],
    }
    return truth, pred, subsets


def test_perfect_predictions_score_one():
    truth, _, subsets = _toy()
    res = score(truth * 2 + 1, truth, subsets, None)
    assert res.pearson_score == pytest.approx(1.0)
    assert res.spearman_score == pytest.approx(1.0)


def test_matches_independent_computation_without_public_removal():
    truth, pred, subsets = _toy()
    res = score(pred, truth, subsets, None)
    t = res.table.set_index("subset")
    # hand-checked value: low = truth [0,1,2] vs pred [0,2,1] -> r = 0.5, rho = 0.5
    assert t.loc["low", "pearson"] == pytest.approx(0.5)
    assert t.loc["low", "spearman"] == pytest.approx(0.5)
    # SNV pair differences: truth b-a = [1, 1, 2, 4], pred = [2, 2, 1, 2]
    r_snv = pearsonr([1, 1, 2, 4], [2, 2, 1, 2])[0]
    assert t.loc["SNVs", "pearson"] == pytest.approx(r_snv)
    expect_p = t.loc["all", "pearson"] ** 2
    expect_s = t.loc["all", "spearman"]
    for name, ids in subsets.items():
        if SUBSETS[name][2] == "single":
            r, rho = pearsonr(truth[ids], pred[ids])[0], spearmanr(truth[ids], pred[ids])[0]
        else:
            a, b = np.array(ids).T
            r = pearsonr(truth[b] - truth[a], pred[b] - pred[a])[0]
            rho = spearmanr(truth[b] - truth[a], pred[b] - pred[a])[0]
        assert t.loc[name, "pearson"] == pytest.approx(r)
        assert t.loc[name, "spearman"] == pytest.approx(rho)
        expect_p += WEIGHTS[name] * r**2
        expect_s += WEIGHTS[name] * rho
    assert res.pearson_score == pytest.approx(expect_p / 4.65)
    assert res.spearman_score == pytest.approx(expect_s / 4.65)


def test_public_removal_rules():
    truth, pred, subsets = _toy()
    pred = pred.copy()
    pred[10] = -50.0  # a wild prediction on id 10: public, must not count anywhere
    public = {"high": [10], "SNVs": [(4, 6)], "motif_tiling": [(11, 0)]}  # (11, 0) is not (0, 11)
    res = score(pred, truth, subsets, public)
    t = res.table.set_index("subset")
    # public ids: 10, and both members of every public pair (4, 6, 11, 0)
    keep = [i for i in range(12) if i not in (10, 4, 6, 11, 0)]
    assert t.loc["all", "n"] == 7
    assert t.loc["all", "pearson"] == pytest.approx(pearsonr(truth[keep], pred[keep])[0])
    assert t.loc["high", "n"] == 1 and np.isnan(t.loc["high", "pearson"])  # only 9 left
    assert t.loc["low", "n"] == 2 and t.loc["yeast", "n"] == 2 and t.loc["random", "n"] == 2
    assert t.loc["challenging", "n"] == 2  # 1, 7 (4 and 10 are public)
    # pairs: only verbatim public pairs go; (11, 0) does not remove (0, 11) although both
    # members are public ids (the official quirk)
    assert t.loc["SNVs", "n"] == 3
    assert t.loc["motif_tiling", "n"] == 3
    a, b = np.array([(0, 11), (5, 6), (8, 10)]).T
    assert t.loc["motif_tiling", "pearson"] == pytest.approx(pearsonr(truth[b] - truth[a], pred[b] - pred[a])[0])


def test_missing_subset_gives_nan_score():
    truth, pred, subsets = _toy()
    del subsets["SNVs"]
    res = score(pred, truth, subsets, None)
    assert np.isnan(res.pearson_score)
    assert res.table.set_index("subset").loc["SNVs", "n"] == 0


def test_prediction_table_keyed_by_id():
    truth, pred, subsets = _toy()
    df = pd.DataFrame({"id": np.arange(12)[::-1], "prediction": pred[::-1]})
    a = score(df, truth, subsets, None)
    b = score(pred, truth, subsets, None)
    assert a.pearson_score == pytest.approx(b.pearson_score)


def test_official_subset_counts(shared_data):
    d = shared_data / "dream"
    subsets = read_subsets(d / "test_subset_ids")
    public = read_public_ids(d / "public_leaderboard_ids", required=True)
    counts = {k: len(v) for k, v in subsets.items()}
    assert counts == {
        "high": 968, "low": 997, "yeast": 578, "random": 6349, "challenging": 1953,
        "motif_perturbation": 3287, "motif_tiling": 2624,
    }
    rng = np.random.default_rng(0)
    truth = rng.normal(size=71103)
    res = score(truth + rng.normal(size=71103), truth, subsets, public)
    n = res.table.set_index("subset")["n"].to_dict()
    assert n["high"] == 872 and n["low"] == 898 and n["yeast"] == 370
    assert n["random"] == 5616 and n["challenging"] == 1758
    assert n["motif_perturbation"] == 2959 and n["motif_tiling"] == 2361
    # the public leaderboard holds 9,045 ids in all
    pub = set()
    for name, ids in public.items():
        for x in ids:
            pub.update(x if isinstance(x, tuple) else (x,))
    assert len(pub) == 9045
    assert n["all"] == 71103 - 9045
    seqs = subset_sequences(d / "test_subset_ids")
    assert seqs["id"].is_unique and seqs["seq"].str.len().between(100, 120).all()
