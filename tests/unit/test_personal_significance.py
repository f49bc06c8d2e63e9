"""Gene-specific null and significance (Sasse et al. 2023 §1.7) against the authors' public table."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from regbench.metrics.correlation import pearson
from regbench.studies.personal import gene_significance
from regbench.studies.personal.significance import gene_null, significance_summary


@pytest.fixture(scope="module")
def supp1(shared_data):
    t = pd.read_csv(shared_data / "sasse2023" / "SupplementaryTable1.tsv", sep="\t")
    return t


def _table(t):
    return pd.DataFrame(
        {
            "gene": t["gene_id"],
            "r": t["PearsonRCAGE,adult,brain"],
            "null_mean": t["RmeanRandom"],
            "null_std": t["Rstdrandom"],
            "n_null": 50,
        }
    )


def test_reproduces_published_counts(supp1):
    out = gene_significance(_table(supp1))
    s = significance_summary(out)
    assert abs(s["n_significant"] - 599) <= 2
    assert abs(s["n_significant_negative"] - 195) <= 2
    assert abs(s["n_significant_abs_r"] - 256) <= 2
    # t statistic matches the table's TstatCAGE (rounded to 3 decimals)
    diff = np.abs(out["t"] - supp1["TstatCAGE,adult,brain"])
    assert np.nanmax(diff) < 1e-3
    # BH column matches the published -log10 p_BH
    pub = 10 ** (-supp1["Log10BHPvalueTstatCAGE,adult,brain"])
    assert np.nanmax(np.abs(np.log10(out["p_bh"]) - np.log10(pub))) < 0.01


def test_textbook_se_makes_many_more_significant(supp1):
    out = gene_significance(_table(supp1), se="std_over_sqrt_n")
    assert out["significant"].sum() > 2000
    # the t statistic itself, written out: (|r| - mean) / (std / sqrt(n)), n = 50
    tb = _table(supp1)
    want = (tb["r"].abs() - tb["null_mean"]) / (tb["null_std"] / np.sqrt(50))
    ok = tb["r"].notna() & (tb["null_std"] > 0)
    np.testing.assert_allclose(out.loc[ok, "t"], want[ok], rtol=1e-12)


def test_both_se_formulas_and_t_distribution_against_scipy():
    """Hand-computed t for both standard errors and p from scipy's t distribution with n - 1
    degrees of freedom. Small n and moderate t, so that p is far from 0 and a wrong SE
    (std / n, ...) or wrong df (n instead of n - 1: p moves by 0.6-6.7 % here) is visible;
    tolerance rel 1e-9."""
    df = pd.DataFrame({"gene": ["a", "b", "c"], "r": [0.30, -0.25, 0.16], "null_mean": [0.10, 0.12, 0.10],
                       "null_std": [0.09, 0.06, 0.04], "n_null": [5, 8, 12]})
    r, m, s, n = (df[c].to_numpy(float) for c in ("r", "null_mean", "null_std", "n_null"))
    for se, denom in (("sqrt_std_over_n", np.sqrt(s / n)), ("std_over_sqrt_n", s / np.sqrt(n))):
        out = gene_significance(df, se=se)
        t = (np.abs(r) - m) / denom
        np.testing.assert_allclose(out["t"], t, rtol=1e-12)
        p = stats.t.sf(t, n - 1)
        assert (p > 1e-4).all(), p  # moderate p: df and SE errors are visible
        np.testing.assert_allclose(out["p"], p, rtol=1e-9)
        # df = n instead of n - 1 would give these p (each differs by > 0.5 %): the test tells them apart
        assert (np.abs(stats.t.sf(t, n) / p - 1) > 0.005).all()
        np.testing.assert_allclose(out["p_bh"], stats.false_discovery_control(p, method="bh"), rtol=1e-12)


def test_nan_r_gives_p_one_and_negative_t_gives_p_one():
    df = pd.DataFrame(
        {"gene": ["a", "b", "c"], "r": [np.nan, 0.01, -0.9], "null_mean": [0.1, 0.1, 0.1],
         "null_std": [0.05, 0.05, 0.05], "n_null": [50, 50, 50]}
    )
    out = gene_significance(df)
    assert out.loc[0, "p"] == 1.0 and out.loc[1, "p"] == 1.0
    t = (0.9 - 0.1) / np.sqrt(0.05 / 50)
    assert out.loc[2, "t"] == pytest.approx(t)
    # p ~ 1e-30: pytest.approx's default abs tolerance (1e-12) would accept 0, so relative only
    assert out.loc[2, "p"] == pytest.approx(stats.t.sf(t, 49), rel=1e-9, abs=0)
    assert bool(out.loc[2, "significant"]) and not bool(out.loc[0, "significant"])


def test_gene_null_matches_direct_computation():
    rng = np.random.default_rng(0)
    g = rng.integers(0, 3, size=(7, 40)).astype(float)
    y = rng.normal(size=40)
    m, s, n = gene_null(g, y, np.random.default_rng(5), n_draws=20)
    w = np.random.default_rng(5).normal(size=(7, 20))
    r = np.abs([stats.pearsonr(g.T @ w[:, k], y)[0] for k in range(20)])
    assert n == 20 and m == pytest.approx(r.mean()) and s == pytest.approx(r.std())
    # no SNV: every draw is constant -> |R| counted as 0
    m0, s0, _ = gene_null(np.zeros((0, 40)), y, np.random.default_rng(1), n_draws=5)
    assert m0 == 0 and s0 == 0
    assert np.isnan(pearson(np.ones(4), np.arange(4.0)))


def test_gene_null_positive_weights_and_shape_error():
    rng = np.random.default_rng(0)
    g = rng.integers(0, 3, size=(5, 30)).astype(float)
    y = rng.normal(size=30)
    m, s, n = gene_null(g, y, np.random.default_rng(9), n_draws=15, positive=True)
    w = np.abs(np.random.default_rng(9).normal(size=(5, 15)))
    r = np.abs([stats.pearsonr(g.T @ w[:, k], y)[0] for k in range(15)])
    assert n == 15 and m == pytest.approx(r.mean(), rel=1e-12) and s == pytest.approx(r.std(), rel=1e-12)
    with pytest.raises(ValueError, match=r"dosage must be \(n_snv, n_ind=30\), got \(30, 5\)"):
        gene_null(g.T, y, rng)


def test_gene_significance_input_errors():
    df = pd.DataFrame({"gene": ["a"], "r": [0.3], "null_mean": [0.1], "null_std": [0.05], "n_null": [10]})
    with pytest.raises(ValueError, match=r"missing columns \['n_null', 'null_std'\]"):
        gene_significance(df.drop(columns=["null_std", "n_null"]))
    with pytest.raises(ValueError, match="se must be one of"):
        gene_significance(df, se="std")


def test_significance_summary_counts_by_hand():
    df = pd.DataFrame({"r": [0.5, -0.3, 0.1, -0.05, np.nan, 0.25],
                       "significant": [True, True, True, False, False, True]})
    s = significance_summary(df, abs_r_min=0.2)
    assert s == {
        "n_genes": 6, "n_genes_with_r": 5, "mean_r": pytest.approx((0.5 - 0.3 + 0.1 - 0.05 + 0.25) / 5),
        "n_significant": 4, "n_significant_negative": 1, "n_significant_positive": 3,
        "n_significant_abs_r": 3, "n_significant_abs_r_positive": 2, "n_significant_abs_r_negative": 1,
    }


def test_alpha_sets_the_bh_cut():
    """significant = BH-adjusted p <= alpha (scipy's BH), at two alphas that split the genes."""
    df = pd.DataFrame({"gene": list("abcd"), "r": [0.30, 0.22, 0.18, 0.12], "null_mean": 0.1,
                       "null_std": 0.04, "n_null": 8})
    p = stats.t.sf((df["r"] - 0.1) / (0.04 / np.sqrt(8)), 7)
    q = stats.false_discovery_control(p, method="bh")
    for alpha, n_sig in ((1e-5, 1), (1e-3, 3)):  # q = 4.2e-6, 6.2e-5, 5.1e-4, 0.10
        out = gene_significance(df, se="std_over_sqrt_n", alpha=alpha)
        assert list(out["significant"]) == list(q <= alpha) and out["significant"].sum() == n_sig


def test_gene_null_default_is_the_authors_50_draws():
    rng = np.random.default_rng(0)
    _, _, n = gene_null(rng.integers(0, 3, size=(3, 20)).astype(float), rng.normal(size=20), rng)
    assert n == 50


def test_zero_null_std_gives_no_warning_and_p_by_rule():
    """null_std = 0: |r| above the mean -> t = inf, p = 0; |r| equal to it -> 0/0, p = 1;
    computed without a RuntimeWarning."""
    import warnings

    df = pd.DataFrame({"gene": ["a", "b"], "r": [0.3, 0.1], "null_mean": [0.1, 0.1],
                       "null_std": [0.0, 0.0], "n_null": [50, 50]})
    for se in ("sqrt_std_over_n", "std_over_sqrt_n"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out = gene_significance(df, se=se)
        assert np.isposinf(out.loc[0, "t"]) and out.loc[0, "p"] == 0.0
        assert np.isnan(out.loc[1, "t"]) and out.loc[1, "p"] == 1.0


def test_significant_includes_p_bh_equal_to_alpha():
    df = pd.DataFrame({"gene": ["a", "b"], "r": [0.3, 0.2], "null_mean": 0.1, "null_std": 0.05, "n_null": 10})
    q = gene_significance(df)["p_bh"].to_numpy()
    out = gene_significance(df, alpha=float(q.max()))
    assert out["significant"].all()


def test_summary_cuts_are_strict():
    """r = 0 is neither positive nor negative; |r| = abs_r_min is not above the cut."""
    df = pd.DataFrame({"r": [0.0, 0.2, -0.2, 0.5], "significant": [True, True, True, True]})
    s = significance_summary(df, abs_r_min=0.2)
    assert s["n_significant_positive"] == 2 and s["n_significant_negative"] == 1
    assert s["n_significant_abs_r"] == 1 and s["n_significant_abs_r_positive"] == 1
    assert s["n_significant_abs_r_negative"] == 0


def test_write_kv_layout(tmp_path):
    from regbench.studies.personal.significance import write_kv

    write_kv(tmp_path / "s.tsv", {"n_genes": 3, "mean_r": 0.25})
    assert (tmp_path / "s.tsv").read_text() == "metric\tvalue\nn_genes\t3.0\nmean_r\t0.25\n"
