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


def test_spearman_along_an_axis_matches_scipy():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 6, size=(4, 30)).astype(float)  # ties
    y = x + rng.normal(size=(4, 30)) * np.array([[0.5], [1.0], [2.0], [4.0]])
    rows = spearman(x, y, axis=1)
    assert rows == pytest.approx([stats.spearmanr(a, b)[0] for a, b in zip(x, y)], rel=1e-12)
    cols = spearman(x.T, y.T, axis=0)
    assert cols == pytest.approx(rows, rel=1e-12)
    assert len(set(np.round(rows, 6))) == 4  # the rows differ, so a wrong axis cannot pass


def test_spearman_nan_policies():
    x = np.array([1.0, 2, np.nan, 4, 5, 6])
    y = np.array([2.0, 1, 3, 5, 4, 7])
    assert np.isnan(spearman(x, y)) and np.isnan(spearman(y, x))  # NaN on either side propagates
    want = stats.spearmanr([1, 2, 4, 5, 6], [2, 1, 5, 4, 7])[0]
    assert spearman(x, y, nan_policy="omit") == pytest.approx(want, rel=1e-12)
    assert spearman(y, x, nan_policy="omit") == pytest.approx(want, rel=1e-12)
    y2 = y.copy()
    y2[0] = np.nan  # NaNs at different places in x and y: both pairs dropped
    want2 = stats.spearmanr([2, 4, 5, 6], [1, 5, 4, 7])[0]
    assert spearman(x, y2, nan_policy="omit") == pytest.approx(want2, rel=1e-12)
    assert pearson(x, y2, nan_policy="omit") == pytest.approx(stats.pearsonr([2, 4, 5, 6], [1, 5, 4, 7])[0], rel=1e-12)


def test_float32_inputs_are_correlated_in_float64():
    """Model predictions arrive as float32; r is computed in float64 (equal to scipy on the
    float64 copies to 1e-12; a float32 computation is off by ~1e-8 here)."""
    rng = np.random.default_rng(4)
    x = (1000 + rng.normal(size=5000)).astype(np.float32)
    y = (x + rng.normal(size=5000)).astype(np.float32)
    want = stats.pearsonr(x.astype(np.float64), y.astype(np.float64))[0]
    assert pearson(x, y) == pytest.approx(want, rel=1e-12, abs=0)
    want_s = stats.spearmanr(x.astype(np.float64), y.astype(np.float64))[0]
    assert spearman(x, y) == pytest.approx(want_s, rel=1e-12, abs=0)


def test_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"pearson: shapes differ \(3,\) vs \(4,\)"):
        pearson(np.arange(3.0), np.arange(4.0))


def past_one(raw_r, max_n: int = 50, tries: int = 2000) -> dict:
    """sign -> (x, y) of perfectly (anti)correlated data for which ``raw_r(x, y)``, an unclipped
    Pearson formula, rounds past -1 or +1 (searched with a fixed seed)."""
    rng = np.random.default_rng(0)
    found = {}
    for _ in range(tries):
        n = int(rng.integers(3, max_n))
        x = rng.normal(size=n) * 10 ** rng.uniform(-3, 3)
        for sign in (-1, 1):
            y = sign * x * rng.uniform(0.1, 10) + rng.normal()
            if abs(raw_r(x, y)) > 1 and sign not in found:
                found[sign] = (x, y)
        if len(found) == 2:
            break
    assert set(found) == {-1, 1}
    return found


def test_rounding_past_minus_or_plus_one_is_clipped():
    """Perfectly (anti)correlated data can round to |r| = 1 + 2e-16 in the plain formula; the
    result stays in [-1, 1]."""
    def raw(x, y):
        xm, ym = x - x.mean(), y - y.mean()
        return (xm * ym).sum() / np.sqrt((xm * xm).sum() * (ym * ym).sum())

    found = past_one(raw)
    assert pearson(*found[-1]) == -1.0 and pearson(*found[1]) == 1.0


def test_pearson_of_vectors_is_a_python_float():
    r = pearson(np.arange(5.0), np.array([1.0, 3.0, 2.0, 5.0, 4.0]))
    assert type(r) is float and r == pytest.approx(stats.pearsonr(np.arange(5.0), [1, 3, 2, 5, 4])[0], abs=1e-15)


def test_streaming_pearson_constant_columns_one_row_chunks_and_float32():
    """StreamingPearson against scipy: a column whose x (or y) is the constant 0.1 (its mean is not
    exactly 0.1, so only the min/max check makes it NaN) beside varying columns that straddle 0.1;
    chunks of one row; float32 input accumulated in float64."""
    from regbench.metrics.correlation import StreamingPearson

    rng = np.random.default_rng(3)
    n = 400
    x = rng.normal(0.1, 1.0, (n, 4))
    y = 0.7 * x + rng.normal(0, 1.0, (n, 4))
    x[:, 0] = 0.1  # constant x
    y[:, 2] = 0.1  # constant y
    want = [stats.pearsonr(x[:, c], y[:, c])[0] for c in (1, 3)]
    acc = StreamingPearson(4)
    for a, b in zip(np.array_split(x, 57), np.array_split(y, 57)):  # chunks of 7 rows: 0.1 * 7 / 7 != 0.1
        acc.update(a, b)
    r = acc.r()
    assert acc.sxx[0] > 0 and acc.syy[2] > 0  # the constant columns' centred sums are not exactly 0
    assert np.isnan(r[0]) and np.isnan(r[2])
    assert r[[1, 3]] == pytest.approx(want, abs=1e-12)
    acc = StreamingPearson(4)
    for i in range(n):  # one row at a time
        acc.update(x[i], y[i])
    assert acc.n == n and acc.r()[[1, 3]] == pytest.approx(want, abs=1e-12)

    x32 = (rng.gamma(2.0, 3.0, (5000, 2)) + 1e3).astype(np.float32)
    y32 = (0.5 * x32 + rng.normal(0, 1, (5000, 2))).astype(np.float32)
    acc = StreamingPearson(2)
    for a, b in zip(np.array_split(x32, 3), np.array_split(y32, 3)):
        acc.update(a, b)
    want = [stats.pearsonr(x32[:, c].astype(np.float64), y32[:, c].astype(np.float64))[0] for c in range(2)]
    assert acc.r() == pytest.approx(want, abs=1e-12)
    assert acc.mse_scaled(2.0) == pytest.approx(((x32.astype(np.float64) - 2.0 * y32) ** 2).mean(axis=0), rel=1e-12)


def test_streaming_pearson_stays_within_plus_minus_one():
    """Perfectly (anti)correlated chunks whose merged moments round |r| past 1 are clipped."""
    from regbench.metrics.correlation import StreamingPearson

    def merged(x, y):
        acc = StreamingPearson(1)
        acc.update(x[: len(x) // 2], y[: len(x) // 2])
        acc.update(x[len(x) // 2:], y[len(x) // 2:])
        return acc

    def raw(x, y):
        acc = merged(x, y)
        return acc.sxy[0] / np.sqrt(acc.sxx[0] * acc.syy[0])

    found = past_one(raw, max_n=40, tries=3000)
    assert merged(*found[-1]).r()[0] == -1.0 and merged(*found[1]).r()[0] == 1.0
