"""The DREAM scorer against hand-computed cases and the official subset counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import pearsonr, spearmanr

from regbench.studies.dream import score
from regbench.studies.dream.data import SUBSETS, read_public_ids, read_subsets, subset_sequences

#: the official weights, copied from specs/dream.md §2 (prixfixe/evaluation.py), NOT from the
#: library's SUBSETS: a swapped or mistyped weight there must fail these tests
SPEC_WEIGHTS = {"high": 0.3, "low": 0.3, "yeast": 0.3, "random": 0.3, "challenging": 0.5,
                "SNVs": 1.25, "motif_perturbation": 0.3, "motif_tiling": 0.4}
SPEC_KIND = {"high": "single", "low": "single", "yeast": "single", "random": "single",
             "challenging": "single", "SNVs": "pair", "motif_perturbation": "pair", "motif_tiling": "pair"}
#: all (weight 1) + the eight subset weights (spec: 1 + 1.2 + 0.5 + 1.25 + 0.3 + 0.4)
SPEC_DENOMINATOR = 4.65


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
        if SPEC_KIND[name] == "single":
            r, rho = pearsonr(truth[ids], pred[ids])[0], spearmanr(truth[ids], pred[ids])[0]
        else:
            a, b = np.array(ids).T
            r = pearsonr(truth[b] - truth[a], pred[b] - pred[a])[0]
            rho = spearmanr(truth[b] - truth[a], pred[b] - pred[a])[0]
        assert t.loc[name, "pearson"] == pytest.approx(r)
        assert t.loc[name, "spearman"] == pytest.approx(rho)
        expect_p += SPEC_WEIGHTS[name] * r**2
        expect_s += SPEC_WEIGHTS[name] * rho
    assert res.pearson_score == pytest.approx(expect_p / SPEC_DENOMINATOR, rel=1e-9)
    assert res.spearman_score == pytest.approx(expect_s / SPEC_DENOMINATOR, rel=1e-9)


def test_weights_and_kinds_are_the_spec_s():
    """Each subset row carries the spec's weight and kind; the weights sum to the denominator."""
    truth, pred, subsets = _toy()
    t = score(pred, truth, subsets, None).table.set_index("subset")
    assert t.loc["all", "weight"] == 1.0
    for name, w in SPEC_WEIGHTS.items():
        assert t.loc[name, "weight"] == w, name
        assert t.loc[name, "kind"] == SPEC_KIND[name], name
    assert 1.0 + sum(SPEC_WEIGHTS.values()) == pytest.approx(SPEC_DENOMINATOR, abs=1e-12)


def test_weighted_score_with_distinct_subset_correlations():
    """Random truth/predictions where every subset has its own r^2 and rho (checked), so the
    score against the spec formula pins each weight: swapping any two different weights moves
    the score by >= 0.1 x 0.01 / 4.65 = 2e-4, far above the tolerance (rel 1e-9)."""
    rng = np.random.default_rng(11)
    n = 400
    truth = rng.normal(size=n)
    noise = np.linspace(0.2, 3.0, n)  # later ids noisier: subsets differ in correlation
    pred = truth + rng.normal(size=n) * noise
    subsets = {
        "high": np.arange(0, 40), "low": np.arange(40, 80), "yeast": np.arange(100, 140),
        "random": np.arange(180, 220), "challenging": np.arange(260, 300),
        "SNVs": [(a, a + 1) for a in range(0, 120, 2)],
        "motif_perturbation": [(a, a + 7) for a in range(150, 250, 3)],
        "motif_tiling": [(a, a + 13) for a in range(300, 380, 2)],
    }
    res = score(pred, truth, subsets, None)
    t = res.table.set_index("subset")
    r, rho = {"all": pearsonr(truth, pred)[0]}, {"all": spearmanr(truth, pred)[0]}
    for name, sel in subsets.items():
        if SPEC_KIND[name] == "single":
            x, y = truth[sel], pred[sel]
        else:
            a, b = np.array(sel).T
            x, y = truth[b] - truth[a], pred[b] - pred[a]
        r[name], rho[name] = pearsonr(x, y)[0], spearmanr(x, y)[0]
        assert t.loc[name, "pearson"] == pytest.approx(r[name], rel=1e-9)
    names = list(SPEC_WEIGHTS)
    for a in names:
        for b in names:
            if a < b and SPEC_WEIGHTS[a] != SPEC_WEIGHTS[b]:
                assert abs(r[a] ** 2 - r[b] ** 2) > 0.01 and abs(rho[a] - rho[b]) > 0.01, (a, b, r, rho)
    want_p = (r["all"] ** 2 + sum(SPEC_WEIGHTS[k] * r[k] ** 2 for k in names)) / SPEC_DENOMINATOR
    want_s = (rho["all"] + sum(SPEC_WEIGHTS[k] * rho[k] for k in names)) / SPEC_DENOMINATOR
    assert res.pearson_score == pytest.approx(want_p, rel=1e-9, abs=0)
    assert res.spearman_score == pytest.approx(want_s, rel=1e-9, abs=0)


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



def test_public_only_keeps_the_public_leaderboard_ids():
    """public_only=True: the public leaderboard's score: "all" and single subsets over the public
    ids (single ids and both members of public pairs), pair subsets over the public pairs listed
    verbatim; without public ids it is an error."""
    truth, pred, subsets = _toy()
    public = {"high": [10, 9], "yeast": [5], "SNVs": [(4, 6), (2, 3)], "motif_tiling": [(11, 0), (5, 6)]}
    t = score(pred, truth, subsets, public, public_only=True).table.set_index("subset")
    ids = [2, 3, 4, 5, 6, 9, 10, 11, 0]  # 10, 9, 5 + the members of the four pairs

    def r(i):
        return pearsonr(truth[i], pred[i])[0]

    assert t.loc["all", "n"] == 9 and t.loc["all", "pearson"] == pytest.approx(r(sorted(ids)))
    assert t.loc["all", "spearman"] == pytest.approx(spearmanr(truth[sorted(ids)], pred[sorted(ids)])[0])
    assert list(t.loc[["high", "low", "yeast", "random", "challenging"], "n"]) == [3, 2, 3, 4, 2]
    assert t.loc["high", "pearson"] == pytest.approx(r([9, 10, 11]))
    assert t.loc["low", "pearson"] == pytest.approx(r([0, 2]))
    assert t.loc["challenging", "pearson"] == pytest.approx(r([4, 10]))  # 1 and 7 are not public
    # pairs: (4, 6) and (2, 3) of SNVs; (5, 6) of motif_tiling ((11, 0) is not (0, 11)); none of
    # motif_perturbation
    assert list(t.loc[["SNVs", "motif_perturbation", "motif_tiling"], "n"]) == [2, 0, 1]
    a, b = np.array([(2, 3), (4, 6)]).T
    assert t.loc["SNVs", "pearson"] == pytest.approx(pearsonr(truth[b] - truth[a], pred[b] - pred[a])[0])
    with pytest.raises(ValueError) as e:
        score(pred, truth, subsets, None, public_only=True)
    assert str(e.value) == "score: public_only=True needs the public-leaderboard ids"

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


def test_prediction_and_truth_forms_and_errors():
    """Series by id, DataFrame without id, 'expression' truth tables; a short or NaN prediction
    vector and a table without a value column are refused with a message naming the problem."""
    truth, pred, subsets = _toy()
    base = score(pred, truth, subsets, None)
    ser = pd.Series(pred[::-1], index=np.arange(12)[::-1])
    assert score(ser, truth, subsets, None).pearson_score == pytest.approx(base.pearson_score, rel=1e-12)
    tdf = pd.DataFrame({"expression": truth})
    assert score(pd.DataFrame({"prediction": pred}), tdf, subsets, None).spearman_score == pytest.approx(
        base.spearman_score, rel=1e-12)
    with pytest.raises(ValueError, match="predictions cover 11 ids, the test set has 12"):
        score(pred[:11], truth, subsets, None)
    bad = pred.copy()
    bad[4] = np.nan
    with pytest.raises(ValueError, match=r"subset all: predictions missing \(NaN\) for 1 ids"):
        score(bad, truth, subsets, None)
    with pytest.raises(ValueError, match="predictions DataFrame needs an 'expression' or 'prediction' column"):
        score(pd.DataFrame({"value": pred}), truth, subsets, None)
    # a subset of one id has no correlation (NaN), not an error
    one = dict(subsets, high=np.array([9]))
    t = score(pred, truth, one, None).table.set_index("subset")
    assert t.loc["high", "n"] == 1 and np.isnan(t.loc["high", "pearson"]) and np.isnan(t.loc["high", "spearman"])


def test_official_files_score_equals_the_independent_reference(shared_data):
    """The real subset and public-id files with random predictions: every subset row of score()
    equals tests/reference.py (raw files + scipy) to rel 1e-9. The shared data lack the SNV
    subset, so both scores are NaN (the official score needs all eight subsets)."""
    from tests.reference import dream_official_score

    d = shared_data / "dream"
    rng = np.random.default_rng(1)
    truth = rng.normal(size=71103)
    pred = truth + rng.normal(scale=2.0, size=71103)
    labels = pd.DataFrame({"seq": "A", "e": truth})
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/labels.txt"
        labels.to_csv(path, sep="\t", header=False, index=False)
        want_p, want_s, ref = dream_official_score(pred, path, d / "test_subset_ids", d / "public_leaderboard_ids")
    res = score(pred, truth, read_subsets(d / "test_subset_ids"), read_public_ids(d / "public_leaderboard_ids", required=True))
    assert np.isnan(want_p) and np.isnan(res.pearson_score) and np.isnan(res.spearman_score)
    t = res.table.set_index("subset")
    assert (ref["n"] > 0).sum() == 8  # all + the seven subsets present
    for row in ref.itertuples():
        assert t.loc[row.subset, "n"] == row.n, row.subset
        if row.n:
            assert t.loc[row.subset, "pearson"] == pytest.approx(row.r, rel=1e-9), row.subset
            assert t.loc[row.subset, "spearman"] == pytest.approx(row.rho, rel=1e-9), row.subset


def test_table_layout_for_a_missing_subset_and_truth_forms():
    truth, pred, subsets = _toy()
    del subsets["motif_tiling"]
    t = score(pred, truth, subsets, None).table
    assert list(t.columns) == ["subset", "kind", "weight", "n", "pearson", "spearman"]
    row = t.set_index("subset").loc["motif_tiling"]
    assert row["kind"] == "pair" and row["weight"] == 0.4 and row["n"] == 0
    assert np.isnan(row["pearson"]) and np.isnan(row["spearman"])
    # truth keyed by id (Series, or DataFrame with id) gives the same scores as the plain vector
    _, _, full = _toy()
    base = score(pred, truth, full, None)
    ser = score(pred, pd.Series(truth[::-1], index=np.arange(12)[::-1]), full, None)
    dfid = score(pred, pd.DataFrame({"id": np.arange(12), "expression": truth}), full, None)
    for res in (ser, dfid):
        assert res.table.loc[0, "n"] == 12
        assert res.pearson_score == pytest.approx(base.pearson_score, rel=1e-12)
    with pytest.raises(ValueError, match="test_table DataFrame needs an 'expression' or 'prediction' column"):
        score(pred, pd.DataFrame({"y": truth}), full, None)


def test_two_ids_give_plus_minus_one_and_fully_public_subsets_are_empty():
    truth, pred, subsets = _toy()
    two = dict(subsets, high=np.array([9, 11]), SNVs=[(0, 1), (4, 6)])
    t = score(pred, truth, two, None).table.set_index("subset")
    assert t.loc["high", "n"] == 2 and t.loc["high", "pearson"] == pytest.approx(1.0)  # 9 -> 9, 11 -> 10
    assert t.loc["SNVs", "n"] == 2 and t.loc["SNVs", "pearson"] == pytest.approx(-1.0)  # diffs truth (1, 2), pred (2, 1)
    assert t.loc["high", "spearman"] == pytest.approx(1.0) and t.loc["SNVs", "spearman"] == pytest.approx(-1.0)
    # every id and pair public: all rows empty (n = 0, NaN), nothing raises
    public = {name: ids for name, ids in subsets.items()}
    public["high"] = list(range(12))
    t = score(pred, truth, subsets, public).table
    assert (t["n"] == 0).all() and t["pearson"].isna().all() and t["spearman"].isna().all()
