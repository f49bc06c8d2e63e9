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
