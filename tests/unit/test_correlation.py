import numpy as np
import pytest
from scipy import stats

from regbench.metrics.correlation import pearson, spearman


def test_pearson_matches_scipy_flat_and_axis():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 40))
    y = x + rng.normal(size=(5, 40))
    assert pearson(x[0], y[0]) == pytest.approx(stats.pearsonr(x[0], y[0])[0])
    rows = pearson(x, y, axis=1)
    assert rows == pytest.approx([stats.pearsonr(a, b)[0] for a, b in zip(x, y)])


def test_spearman_matches_scipy_with_ties():
    x = np.array([1, 2, 2, 3, 5, 5, 5, 9.0])
    y = np.array([3, 1, 4, 1, 5, 9, 2, 6.0])
    assert spearman(x, y) == pytest.approx(stats.spearmanr(x, y)[0])


def test_constant_input_is_nan_and_nan_policy():
    assert np.isnan(pearson(np.ones(5), np.arange(5)))
    x = np.array([1.0, 2, np.nan, 4])
    y = np.array([1.0, 3, 2, 5])
    assert np.isnan(pearson(x, y))
    assert pearson(x, y, nan_policy="omit") == pytest.approx(stats.pearsonr([1, 2, 4], [1, 3, 5])[0])


def test_constant_with_unrepresentable_mean_is_nan():
    x = np.full(7, 0.1)
    y = np.arange(7.0)
    assert np.isnan(pearson(x, y))
    assert np.isnan(pearson(np.vstack([x, y]), np.vstack([y, y]), axis=1)[0])


def test_constant_y_is_nan_on_either_side_and_axis():
    """A constant second argument is NaN too (scipy: ConstantInputWarning, r = NaN); 0.1 is the
    value whose centred copies are ~1e-17, not 0, so only the explicit constant check makes NaN."""
    x = np.arange(7.0)
    y = np.full(7, 0.1)
    with pytest.warns(stats.ConstantInputWarning):
        assert np.isnan(stats.pearsonr(x, y)[0])
    assert np.isnan(pearson(x, y))
    r = pearson(np.vstack([x, x]), np.vstack([y, x[::-1]]), axis=1)
    assert np.isnan(r[0]) and r[1] == pytest.approx(-1.0, rel=1e-12)
    assert np.isnan(spearman(x, y))
