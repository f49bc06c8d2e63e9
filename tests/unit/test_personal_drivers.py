"""Driver selection, eQTL slopes and driver support on hand-built cases."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.linear_model import LinearRegression

from regbench.studies.personal import driver_support
from regbench.studies.personal.drivers import (
    backward_drivers, eqtl_slopes, forward_drivers, pearson_p, support_summary)


def _world(seed=0):
    rng = np.random.default_rng(seed)
    n_snv, n_ind = 30, 300
    dosage = rng.binomial(2, rng.uniform(0.05, 0.5, size=(n_snv, 1)), size=(n_snv, n_ind)).astype(float)
    dosage[3] = rng.binomial(2, 0.4, size=n_ind)
    ism = rng.normal(scale=0.01, size=n_snv)
    ism[7] = -1.5  # the driver
    ism[3] = 1.0   # a second, weaker driver
    pred = dosage.T @ ism + rng.normal(scale=0.05, size=n_ind)
    return dosage, ism, pred


def test_forward_selects_planted_drivers():
    dosage, ism, pred = _world()
    d = forward_drivers(ism, dosage, pred)
    assert set(d["snv"]) == {7, 3}
    assert d.loc[d["main"], "snv"].item() == 7
    assert d["gain"].gt(0.05).all()


def test_backward_selects_planted_driver_first():
    dosage, ism, pred = _world(1)
    d = backward_drivers(ism, dosage, pred)
    assert d["snv"].iloc[0] == 7 and 3 in set(d["snv"])


def test_pearson_p_matches_scipy():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=50), rng.normal(size=50)
    r, p = stats.pearsonr(x, y)
    assert pearson_p(r, 50) == pytest.approx(p)


def test_eqtl_slopes_match_sklearn():
    dosage, _, pred = _world(3)
    slope, r = eqtl_slopes(dosage, pred)
    for j in (0, 7, 12):
        lr = LinearRegression().fit(dosage[j].reshape(-1, 1), pred)
        assert slope[j] == pytest.approx(lr.coef_[0])
        assert r[j] == pytest.approx(stats.pearsonr(dosage[j], pred)[0])


def test_driver_support_weighted_fraction():
    df = pd.DataFrame(
        {
            "gene": ["a", "a", "a", "b", "b", "c"],
            "ism": [1.0, -1.0, 2.0, 1.0, -1.0, 1.0],
            "eqtl_slope": [0.5, 0.5, 0.0, -0.1, 0.2, 0.3],
            "gain": [0.6, 0.2, 0.9, 0.3, 0.1, 0.5],
            "gene_r": [0.5, 0.5, 0.5, -0.4, -0.4, 0.1],
        }
    )
    out = driver_support(df).set_index("gene")
    assert out.loc["a", "supported_fraction"] == pytest.approx(0.6 / 0.8)
    assert out.loc["b", "supported_fraction"] == 0.0
    assert list(out["group"]) == ["positive", "negative", "none"]
    assert out.loc["a", "n_drivers"] == 3 and out.loc["a", "n_unsupported"] == 1
    s = support_summary(out)
    assert s["n_positive"] == 1 and s["n_negative"] == 1


# --- from the mutation run (docs/mutation.md): drivers against the spec's loops (§1.10) ---


def _forward_reference(ism, dosage, pexp, gain_min=0.05, alpha=0.01):
    """select_drivers.py --forward as written in specs/personal.md §1.10, with scipy.pearsonr."""
    n_snv, n_ind = dosage.shape
    order = np.argsort(-np.abs(ism), kind="stable")
    a = np.nan_to_num(ism[order])
    imp = dosage[order].T * a
    peartot = stats.pearsonr(imp.sum(1), pexp)[0]
    old, rows = 0.0, []
    for i in range(n_snv):
        pearexp = stats.pearsonr(imp[:, : i + 1].sum(1), pexp)[0] / peartot
        if np.ptp(imp[:, i]) == 0:  # a zero (NaN) ISM: constant contribution, no correlation
            peari, p_i = np.nan, np.nan
        else:
            peari, p_i = stats.pearsonr(imp[:, i], pexp)
        if (pearexp - old) > gain_min and peari > 0 and p_i < alpha / n_snv:
            pearj = (peartot - stats.pearsonr(imp[:, np.arange(n_snv) != i].sum(1), pexp)[0]) / peartot
            carriers = int((dosage[order[i]] > 0).sum())
            rows.append(dict(snv=int(order[i]), rank=i, ism=a[i], r_total=peartot, r_single=peari,
                             r_cumulative=pearexp, r_dropout=pearj, gain=pearexp - old,
                             n_carriers=carriers, pct_carriers=100.0 * carriers / n_ind))
        old = pearexp
    return pd.DataFrame(rows)


def _backward_reference(ism, dosage, pexp, alpha=0.01):
    """The backward variant of §1.10 by loops: drop the SNV whose removal lowers r the most."""
    n_snv, n_ind = dosage.shape
    imp = dosage.T * np.nan_to_num(ism)
    active = list(range(n_snv))
    rows = []
    step = 0
    while active:
        cur = imp[:, active].sum(1)
        r, p = stats.pearsonr(cur, pexp)
        if not r > 0 or p >= alpha / n_snv:
            break
        r_wo = []
        for j in active:
            rest = cur - imp[:, j]
            r_wo.append(0.0 if np.ptp(rest) == 0 else stats.pearsonr(rest, pexp)[0])
        k = int(np.argmin(r_wo))
        rows.append(dict(snv=active[k], step=step, ism=np.nan_to_num(ism)[active[k]],
                         r_before=r, r_after=r_wo[k]))
        del active[k]
        step += 1
    return pd.DataFrame(rows)


def _driver_world(seed, n_snv=25, n_ind=200, n_strong=4):
    """ALT dosages 0/1/2, a few strong ISM effects of both signs among small ones, noisy predictions."""
    rng = np.random.default_rng(seed)
    freq = rng.uniform(0.05, 0.6, size=(n_snv, 1))
    dosage = rng.binomial(2, freq, size=(n_snv, n_ind)).astype(float)
    ism = rng.normal(scale=0.05, size=n_snv)
    strong = rng.choice(n_snv, n_strong, replace=False)
    ism[strong] = rng.choice([-1.0, 1.0], n_strong) * rng.uniform(0.3, 1.5, n_strong)
    ism[rng.integers(n_snv)] = np.nan  # a missing ISM counts as 0
    pred = dosage.T @ np.nan_to_num(ism) + rng.normal(scale=0.3, size=n_ind)
    pred -= 2.0 * dosage[strong[0]]  # one strong SNV acts against its ISM sign
    return dosage, ism, pred


@pytest.mark.parametrize("seed", range(6))
def test_forward_drivers_equal_the_spec_loop(seed):
    dosage, ism, pred = _driver_world(seed)
    got = forward_drivers(ism, dosage, pred)
    want = _forward_reference(ism, dosage, pred)
    assert len(want) >= 1
    assert list(got.columns) == ["snv", "rank", "ism", "r_total", "r_single", "r_cumulative", "r_dropout",
                                 "gain", "n_carriers", "pct_carriers", "main"]
    assert got["snv"].tolist() == want["snv"].tolist() and got["rank"].tolist() == want["rank"].tolist()
    for col in ("ism", "r_total", "r_single", "r_cumulative", "r_dropout", "gain", "pct_carriers"):
        np.testing.assert_allclose(got[col].to_numpy(float), want[col].to_numpy(float), rtol=1e-9, atol=1e-12)
    assert got["n_carriers"].tolist() == want["n_carriers"].tolist()
    assert got["main"].tolist() == (want["gain"] == want["gain"].max()).tolist()


@pytest.mark.parametrize("gain_min,alpha", [(0.0, 0.01), (0.2, 0.01), (0.05, 1e-6), (0.05, 0.5)])
def test_forward_drivers_thresholds_are_parameters(gain_min, alpha):
    dosage, ism, pred = _driver_world(11, n_strong=6)
    got = forward_drivers(ism, dosage, pred, gain_min=gain_min, alpha=alpha)
    want = _forward_reference(ism, dosage, pred, gain_min, alpha)
    assert got["snv"].tolist() == (want["snv"].tolist() if len(want) else [])


def test_forward_drivers_without_signal_or_snvs_are_empty_tables():
    cols = ["snv", "rank", "ism", "r_total", "r_single", "r_cumulative", "r_dropout", "gain", "n_carriers",
            "pct_carriers", "main"]
    empty = forward_drivers(np.zeros(0), np.zeros((0, 10)), np.arange(10.0))
    assert empty.empty and list(empty.columns) == cols
    dosage, ism, pred = _driver_world(0)
    # all-zero ISM: the approximation is constant, r_total NaN -> no drivers
    assert forward_drivers(np.zeros_like(ism), dosage, pred).empty
    # predictions unrelated to the approximation (r_total of either sign) -> no SNV passes
    flat = forward_drivers(ism, dosage, np.zeros(dosage.shape[1]))
    assert flat.empty and list(flat.columns) == cols


def test_forward_drivers_reject_negatively_correlated_and_non_significant_snvs():
    # two carriers sets: SNV 0 explains the predictions; SNV 1 has the largest |ISM| but its own
    # contribution correlates negatively with the predictions -> never a driver
    rng = np.random.default_rng(21)
    n = 400
    d = rng.binomial(2, 0.4, size=(2, n)).astype(float)
    pred = d[0] * 1.0 - d[1] * 0.2 + rng.normal(scale=0.2, size=n)
    ism = np.array([0.5, 2.0])
    got = forward_drivers(ism, d, pred)
    want = _forward_reference(ism, d, pred)
    assert got["snv"].tolist() == want["snv"].tolist() == [0]
    assert bool(got["main"].iloc[0]) and got["rank"].iloc[0] == 1


@pytest.mark.parametrize("seed", range(4))
def test_backward_drivers_equal_the_loop(seed):
    dosage, ism, pred = _driver_world(seed + 30, n_snv=12, n_strong=6)
    got = backward_drivers(ism, dosage, pred)
    want = _backward_reference(ism, dosage, pred)
    assert len(want) >= 2
    assert list(got.columns)[:5] == ["snv", "step", "ism", "r_before", "r_after"]
    assert got["snv"].tolist() == want["snv"].tolist() and got["step"].tolist() == list(range(len(want)))
    for col in ("ism", "r_before", "r_after"):
        np.testing.assert_allclose(got[col].to_numpy(float), want[col].to_numpy(float), rtol=1e-9, atol=1e-12)


def test_backward_drivers_max_steps_and_alpha():
    dosage, ism, pred = _driver_world(31, n_snv=12, n_strong=6)
    full = backward_drivers(ism, dosage, pred)
    assert backward_drivers(ism, dosage, pred, max_steps=2)["snv"].tolist() == full["snv"].tolist()[:2]
    assert backward_drivers(ism, dosage, pred, alpha=1e-300).empty
    want = _backward_reference(ism, dosage, pred, alpha=0.5)
    assert backward_drivers(ism, dosage, pred, alpha=0.5)["snv"].tolist() == want["snv"].tolist()


@pytest.mark.parametrize("n", [5, 30, 300])
def test_pearson_p_matches_scipy_over_r_and_n(n):
    rng = np.random.default_rng(n)
    for _ in range(5):
        x = rng.normal(size=n)
        y = 0.3 * x + rng.normal(size=n)
        r, p = stats.pearsonr(x, y)
        assert pearson_p(r, n) == pytest.approx(p, rel=1e-9, abs=1e-300)
    rs = np.array([-0.9, -0.1, 0.0, 0.5, 0.99])
    want = [stats.pearsonr(*_xy_with_r(r, n))[1] for r in rs]
    np.testing.assert_allclose(pearson_p(rs, n), want, rtol=1e-7)


def _xy_with_r(r, n):
    """Two vectors whose sample Pearson r is exactly r (up to rounding)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=n)
    z = rng.normal(size=n)
    x = (x - x.mean()) / np.linalg.norm(x - x.mean())
    z = z - z.mean()
    z = z - (z @ x) * x
    z /= np.linalg.norm(z)
    return x, r * x + np.sqrt(1 - r * r) * z


def test_pearson_p_edges():
    # |r| = 1: t infinite, p = 0 (no warning); NaN r -> p = 1; beyond +-1 is clipped
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = pearson_p(np.array([1.0, -1.0, np.nan, 1.5]), 20)
    np.testing.assert_array_equal(p, [0.0, 0.0, 1.0, 0.0])


def test_eqtl_slopes_constant_dosage_and_no_snvs():
    dosage = np.array([[0.0, 1.0, 2.0, 1.0], [1.0, 1.0, 1.0, 1.0]])
    obs = np.array([1.0, 2.0, 5.0, 2.0])
    slope, r = eqtl_slopes(dosage, obs)
    lr = LinearRegression().fit(dosage[0].reshape(-1, 1), obs)
    assert slope[0] == pytest.approx(lr.coef_[0], rel=1e-12)  # 2.0 by hand
    assert slope[0] == pytest.approx(2.0) and slope[1] == 0.0 and np.isnan(r[1])
    assert r[0] == pytest.approx(stats.pearsonr(dosage[0], obs)[0], rel=1e-12)
    s0, r0 = eqtl_slopes(np.zeros((0, 4)), obs)
    assert s0.shape == (0,) and r0.shape == (0,)


def test_linear_approximation_by_hand():
    from regbench.studies.personal.drivers import linear_approximation

    dosage = np.array([[0, 1, 2], [2, 0, 1]])  # (n_snv=2, n_ind=3), integers
    att = np.array([0.5, np.nan])  # NaN attribution counts as 0
    np.testing.assert_array_equal(linear_approximation(dosage, att), [0.0, 0.5, 1.0])
    np.testing.assert_allclose(linear_approximation(dosage, [0.5, -1.0]), [-2.0, 0.5, 0.0])


def test_driver_support_counts_groups_and_errors():
    df = pd.DataFrame(
        {
            "gene": ["z", "z", "a", "a", "m"],
            "ism": [1.0, -2.0, 0.0, 1.0, -1.0],
            "eqtl_slope": [1.0, 1.0, 1.0, 0.0, -3.0],
            "gain": [0.25, 0.75, 0.4, 0.6, 0.3],
            "gene_r": [0.2, 0.2, -0.2, -0.2, 0.21],
        }
    )
    out = driver_support(df)
    assert out["gene"].tolist() == ["a", "m", "z"]  # sorted by gene
    assert list(out.columns) == ["gene", "gene_r", "n_drivers", "n_supported", "n_unsupported",
                                 "supported_fraction", "group"]
    o = out.set_index("gene")
    # a: zero ISM and zero slope are neither -> no signed driver -> NaN fraction
    assert o.loc["a", "n_drivers"] == 2 and o.loc["a", "n_supported"] == 0 and o.loc["a", "n_unsupported"] == 0
    assert np.isnan(o.loc["a", "supported_fraction"])
    assert o.loc["z", "supported_fraction"] == pytest.approx(0.25) and o.loc["z", "n_unsupported"] == 1
    assert o.loc["m", "supported_fraction"] == 1.0
    # r_cut is strict: |gene_r| = 0.2 is "none"; 0.21 is positive
    assert o["group"].to_dict() == {"a": "none", "m": "positive", "z": "none"}
    assert driver_support(df, r_cut=0.1).set_index("gene")["group"].to_dict() == {
        "a": "negative", "m": "positive", "z": "positive"}
    assert o["n_supported"].dtype.kind == "i" and o["n_unsupported"].dtype.kind == "i"
    with pytest.raises(ValueError, match=r"driver_support: missing columns \['eqtl_slope', 'gain'\]"):
        driver_support(df.drop(columns=["gain", "eqtl_slope"]))


def test_support_summary_vs_scipy_and_empty_groups():
    per_gene = pd.DataFrame({
        "group": ["positive"] * 4 + ["negative"] * 3 + ["none", "positive"],
        "supported_fraction": [0.9, 0.8, 1.0, 0.7, 0.1, 0.4, 0.2, 0.5, np.nan],
    })
    s = support_summary(per_gene)
    pos, neg = [0.9, 0.8, 1.0, 0.7], [0.1, 0.4, 0.2]
    assert s == {
        "n_positive": 4, "n_negative": 3,
        "mean_supported_positive": pytest.approx(np.mean(pos)),
        "mean_supported_negative": pytest.approx(np.mean(neg)),
        "mannwhitney_p": pytest.approx(stats.mannwhitneyu(pos, neg).pvalue, rel=1e-12),
    }
    only_pos = support_summary(per_gene[per_gene["group"] == "positive"])
    assert only_pos["n_negative"] == 0 and np.isnan(only_pos["mean_supported_negative"])
    assert np.isnan(only_pos["mannwhitney_p"]) and only_pos["mean_supported_positive"] == pytest.approx(0.85)
    only_neg = support_summary(per_gene[per_gene["group"] == "negative"])
    assert np.isnan(only_neg["mean_supported_positive"]) and np.isnan(only_neg["mannwhitney_p"])


def test_eqtl_slopes_float32_inputs_are_computed_in_float64():
    # imputed (fractional) dosages and expression given as float32: the same numbers as the
    # float64 copies give, bit for bit (a float32 mean or centring differs by ~1e-7)
    rng = np.random.default_rng(11)
    dosage = rng.uniform(0, 2, size=(6, 40)).astype(np.float32)
    obs = (rng.normal(size=40) + 3.0).astype(np.float32)
    s64, r64 = eqtl_slopes(dosage.astype(np.float64), obs.astype(np.float64))
    for d, o in ((dosage, obs.astype(np.float64)), (dosage.astype(np.float64), obs), (dosage, obs)):
        s, r = eqtl_slopes(d, o)
        np.testing.assert_array_equal(s, s64)
        np.testing.assert_array_equal(r, r64)


def test_eqtl_slopes_small_spread_and_large_offset_vs_scipy():
    # one heterozygous carrier among 3 (sum of squares 2/3 < 1), two among 4 (1.0), and a
    # common SNV; expression around 1e9 (centring first keeps the slope exact to ~1e-12)
    dosage = np.array([[0.0, 1.0, 0.0, 0.0], [0.0, 1.0, 1.0, 0.0], [0.0, 1.0, 2.0, 1.0]])
    rng = np.random.default_rng(3)
    for obs in (np.array([1.0, 3.0, 1.5, 0.5]), 1e9 + rng.normal(size=4)):
        slope, r = eqtl_slopes(dosage, obs)
        for k in range(3):
            lr = stats.linregress(dosage[k], obs)
            assert slope[k] == pytest.approx(lr.slope, rel=1e-9, abs=1e-12)
            assert r[k] == pytest.approx(lr.rvalue, rel=1e-9)
    slope, _ = eqtl_slopes(dosage[:1, :3], np.array([1.0, 3.0, 1.0]))
    assert slope[0] == pytest.approx(2.0, rel=1e-12)  # by hand: carrier 3 vs non-carriers 1


def test_support_summary_with_an_empty_group_warns_nothing():
    import warnings

    per_gene = pd.DataFrame({"group": ["positive", "positive", "none"], "supported_fraction": [0.5, 1.0, 0.2]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # scipy warns (SmallSampleWarning) when given an empty group
        s = support_summary(per_gene)
    assert s["n_positive"] == 2 and s["n_negative"] == 0 and s["mean_supported_positive"] == 0.75
    assert np.isnan(s["mannwhitney_p"]) and np.isnan(s["mean_supported_negative"])


def test_backward_drivers_stop_at_negative_correlation_and_when_every_snv_is_removed():
    rng = np.random.default_rng(8)
    dosage = rng.binomial(2, 0.4, size=(1, 200)).astype(float)
    ism = np.array([1.0])
    pred = dosage[0] + rng.normal(scale=0.05, size=200)
    # one SNV carrying the predictions: removed at step 0, then nothing is left (max_steps past n_snv)
    got = backward_drivers(ism, dosage, pred, max_steps=5)
    assert got["snv"].tolist() == [0] and got["main"].tolist() == [True]
    assert got["r_before"].iloc[0] == pytest.approx(stats.pearsonr(dosage[0], pred)[0], rel=1e-12)
    # the approximation anti-correlated with the predictions (r about -1, p tiny): no driver
    neg = backward_drivers(ism, dosage, -pred)
    assert neg.empty and list(neg.columns) == ["snv", "step", "ism", "r_before", "r_after", "main"]


def test_backward_drivers_p_threshold_is_strict_and_a_constant_remainder_counts_as_r_0():
    rng = np.random.default_rng(9)
    dosage = rng.binomial(2, 0.4, size=(1, 60)).astype(float)
    pred = dosage[0] + rng.normal(scale=1.0, size=60)
    r = backward_drivers([1.0], dosage, pred)["r_before"].iloc[0]
    assert r == pytest.approx(stats.pearsonr(dosage[0], pred)[0], rel=1e-12)
    p = pearson_p(r, 60)  # the p of that very r, as the selection computes it
    assert 0 < p < 0.01
    assert backward_drivers([1.0], dosage, pred, alpha=float(p)).empty  # p < alpha / n_snv, strictly
    assert backward_drivers([1.0], dosage, pred, alpha=float(p) * 1.001)["snv"].tolist() == [0]
    # SNV 1 is carried by everyone (a constant contribution): removing SNV 0 leaves a constant
    # approximation, whose correlation (undefined) counts as 0, the lowest: SNV 0 goes first
    two = np.vstack([dosage, np.ones((1, 60))])
    got = backward_drivers([1.0, 0.5], two, pred, max_steps=1)
    assert got["snv"].tolist() == [0] and got["r_after"].tolist() == [0.0]


def test_forward_drivers_with_one_snv_by_hand():
    rng = np.random.default_rng(10)
    dosage = rng.binomial(2, 0.3, size=(1, 100)).astype(float)
    pred = 2.0 * dosage[0] + rng.normal(scale=0.5, size=100)
    got = forward_drivers([-0.7], dosage, -pred)  # a negative ISM with anti-aligned predictions: r > 0
    r = stats.pearsonr(dosage[0] * -0.7, -pred)[0]
    assert len(got) == 1 and got["snv"].tolist() == [0] and got["rank"].tolist() == [0]
    row = got.iloc[0]
    assert row["r_total"] == pytest.approx(r, rel=1e-12) and row["r_single"] == pytest.approx(r, rel=1e-12)
    assert row["r_cumulative"] == pytest.approx(1.0) and row["gain"] == pytest.approx(1.0) and bool(row["main"])
    n_car = int((dosage[0] > 0).sum())
    assert row["n_carriers"] == n_car and row["pct_carriers"] == pytest.approx(n_car)  # 100 individuals


def test_forward_drivers_ties_in_ism_keep_the_input_order():
    # |ISM| ties (1.0 and 0.5, both signs): visited in input order (Python's stable sort)
    rng = np.random.default_rng(12)
    n_snv, n_ind = 60, 400
    dosage = rng.binomial(2, 0.3, size=(n_snv, n_ind)).astype(float)
    ism = rng.choice([-1.0, 1.0, -0.5, 0.5, 0.01], n_snv)
    pred = dosage.T @ ism + rng.normal(scale=0.5, size=n_ind)
    order = sorted(range(n_snv), key=lambda k: -abs(ism[k]))
    got = forward_drivers(ism, dosage, pred, gain_min=0.0)
    assert len(got) >= 5
    assert [order[k] for k in got["rank"]] == got["snv"].tolist()


def test_forward_drivers_thresholds_are_strict_and_degenerate_correlations():
    rng = np.random.default_rng(13)
    dosage = rng.binomial(2, 0.3, size=(1, 80)).astype(float)
    pred = dosage[0] + rng.normal(scale=1.5, size=80)
    row = forward_drivers([1.0], dosage, pred, gain_min=0.0, alpha=1.0).iloc[0]
    p = float(pearson_p(row["r_single"], 80))  # the p of the selection's own r
    assert 0 < p < 0.01 and row["gain"] == pytest.approx(1.0)
    assert forward_drivers([1.0], dosage, pred, gain_min=float(row["gain"])).empty  # gain > gain_min
    assert len(forward_drivers([1.0], dosage, pred, gain_min=np.nextafter(row["gain"], 0))) == 1
    assert forward_drivers([1.0], dosage, pred, alpha=p).empty  # p < alpha / n_snv
    assert len(forward_drivers([1.0], dosage, pred, alpha=p * 1.001)) == 1
    # predictions exactly the linear approximation (r = 1): the SNV is a driver
    exact = forward_drivers([2.0], dosage, 2.0 * dosage[0])
    assert exact["snv"].tolist() == [0] and exact["r_total"].iloc[0] == 1.0
    # an approximation uncorrelated with the predictions (r = 0 exactly): none, without warnings
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        none = forward_drivers([1.0], np.array([[0.0, 1.0, 0.0, 1.0]]), np.array([1.0, 1.0, 2.0, 2.0]))
    assert none.empty


def test_pearson_p_of_float32_r_and_of_one_observation():
    import warnings

    r32 = np.array([0.3, -0.71, 0.05], dtype=np.float32)  # computed in float64: the same p bit for bit
    np.testing.assert_array_equal(pearson_p(r32, 25), pearson_p(r32.astype(np.float64), 25))
    want = [2 * stats.t.sf(abs(r) * np.sqrt(23 / (1 - r * r)), 23) for r in r32.astype(float)]  # by hand
    np.testing.assert_allclose(pearson_p(r32, 25), want, rtol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # one observation (df = -1): no p, and no sqrt warning
        assert np.isnan(pearson_p(np.array([0.5]), 1)[0])
