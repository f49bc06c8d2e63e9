"""synthetic_loci: calibration, per-class scores (vs scipy), CV bookkeeping, the demo's planted rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from regbench.data.demo.synthetic_loci import planted_rule
from regbench.studies.synthetic_loci.evaluate import calibrate, payload_predictions, score


def test_calibrate_is_least_squares():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    y = 2 * x + 1
    assert calibrate(x, y, np.array([10.0])) == pytest.approx([21.0])
    assert calibrate([1.0, 1.0], [2.0, 4.0], [5.0]).tolist() == [3.0]


def test_score_matches_scipy():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"class": ["a"] * 6 + ["b"] * 5, "pred": rng.random(11), "activity": rng.random(11)})
    s = score(df).set_index("class")
    assert s.loc["all", "pearson"] == pytest.approx(stats.pearsonr(df["pred"], df["activity"])[0])
    b = df[df["class"] == "b"]
    assert s.loc["b", "spearman"] == pytest.approx(stats.spearmanr(b["pred"], b["activity"])[0])
    assert s.loc["a", "mse"] == pytest.approx(np.mean((df["pred"][:6] - df["activity"][:6]) ** 2))
    assert np.isnan(score(df.iloc[:2]).set_index("class").loc["all", "pearson"])


def test_payload_predictions_cv_uses_other_folds_only():
    ds = pd.DataFrame({"name": list("abcdef"), "class": ["x"] * 6, "fold": [0, 0, 1, 1, 2, 2], "activity": [1.0, 2, 3, 4, 5, 100]})
    base = pd.DataFrame({"name": list("abcdef"), "window": 0, "offset": 0, "predicted": np.nan, "peaksum_t": [1.0, 2, 3, 4, 5, 6]})
    ft = {("H", "fold0"): pd.DataFrame({"name": ["a", "b"], "predicted": [9.0, 8.0], "peaksum_t": 0.0})}
    pp = payload_predictions(ds, base, ft, "t")
    cv = pp[(pp["model"] == "baseline") & (pp["protocol"] == "cv")].set_index("name")
    # fold 2 held out: line fitted on a..d (y = x) -> e predicted 5, f predicted 6
    assert cv.loc["e", "pred"] == pytest.approx(5.0) and cv.loc["f", "pred"] == pytest.approx(6.0)
    h = pp[(pp["model"] == "H") & (pp["protocol"] == "cv")]
    assert h["name"].tolist() == ["a", "b"] and h["pred"].tolist() == [9.0, 8.0]


def test_planted_rule_known_answers():
    strength = {"DHS1": 2.0, "DHS2": 1.0, "DHS3": 1.0}
    ref = pd.DataFrame({"label": ["DHS1", "DHS2", "DHS3"], "start": [0, 10, 20], "end": [5, 15, 25], "strand": ["+"] * 3})
    s_wt, _ = planted_rule(ref, strength)
    assert s_wt == pytest.approx(4.0)
    # deletion of DHS2: reference order kept -> activity = 0.03 + 0.97 * 3 / 4
    act, _ = planted_rule(ref.iloc[[0, 2]], strength, s_wt)
    assert act == pytest.approx(0.03 + 0.97 * 0.75)
    # inversion of DHS1 in place: 0.2 * 2 + 1 + 1
    inv = ref.assign(strand=["-", "+", "+"])
    assert planted_rule(inv, strength)[0] == pytest.approx(2.4)
    # swap DHS1 and DHS2: each of them has 1 discordant pair -> 0.5 * (2 + 1) + 1
    sw = ref.assign(start=[10, 0, 20])
    act, tab = planted_rule(sw, strength)
    assert act == pytest.approx(2.5) and tab.set_index("label")["n_disorder"].to_dict() == {"DHS1": 1, "DHS2": 1, "DHS3": 0}
    assert tab.set_index("label").loc["DHS1", "accessibility"] == pytest.approx(2.0 * (0.6 + 0.4 * 0.5))


@pytest.mark.parametrize("keys", [["name"], ["name", "label", "track"]])
def test_mean_by_file_streams_to_the_groupby_mean(tmp_path, keys):
    from regbench.studies.synthetic_loci.evaluate import mean_by_file

    rng = np.random.default_rng(3)
    n = 1000
    df = pd.DataFrame({"name": rng.choice(["P~c", "P~a", "P~b", "P~d"], n), "label": rng.choice(["DHS1", "DHS2"], n),
                       "track": rng.choice(["escj7", "e14"], n), "window": np.arange(n), "peak": rng.random(n), "predicted": np.nan})
    df.loc[rng.random(n) < 0.2, "peak"] = np.nan
    df.to_csv(tmp_path / "t.tsv", sep="\t", index=False)
    got = mean_by_file(tmp_path / "t.tsv", keys, ["peak", "predicted"], chunksize=37)
    ref = df.groupby(keys, sort=False)[["peak", "predicted"]].mean().reset_index()
    pd.testing.assert_frame_equal(got.reset_index(drop=True), ref, check_exact=False, rtol=1e-12)
