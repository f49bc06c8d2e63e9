"""GOPHER metric formulas vs independent computations (scipy/sklearn/hand-built)."""

import warnings

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import auc, precision_recall_curve, roc_auc_score

from regbench.studies.accessibility import metrics as M


@pytest.fixture
def yp():
    rng = np.random.default_rng(1)
    y = rng.gamma(1.0, 1.0, size=(6, 64, 3))
    p = y + rng.normal(0, 0.5, size=y.shape) ** 2
    return y, p


def test_whole_pearson_matches_scipy_on_flattened(yp):
    y, p = yp
    r = M.whole_pearson(y, p)
    for c in range(3):
        assert r[c] == pytest.approx(stats.pearsonr(y[..., c].ravel(), p[..., c].ravel())[0])


def test_per_sequence_pearson_nanmean_skips_constant(yp):
    y, p = yp
    y = y.copy()
    y[0, :, 0] = 2.0  # constant profile -> NaN, skipped
    r = M.per_sequence_pearson(y, p)
    expect = np.mean([stats.pearsonr(y[n, :, 0], p[n, :, 0])[0] for n in range(1, 6)])
    assert r[0] == pytest.approx(expect)


def test_scaling_hand_built():
    y = np.array([[[1.0, 2.0], [3.0, 2.0]]])  # (1, 2, 2)
    p = np.array([[[2.0, 1.0], [2.0, 1.0]]])
    s = M.scaling_factors(y, p)
    assert s == pytest.approx([1.0, 2.0])
    assert M.scale_predictions(y, p)[0, :, 1] == pytest.approx([2.0, 2.0])
    assert np.isinf(M.scaling_factors(y, np.zeros_like(p))).all()


def test_change_resolution_and_upsample():
    x = np.arange(8, dtype=float).reshape(1, 8, 1)
    assert M.change_resolution(x, 1, 4)[0, :, 0] == pytest.approx([1.5, 5.5])
    assert M.change_resolution(M.change_resolution(x, 1, 2), 2, 4)[0, :, 0] == pytest.approx([1.5, 5.5])
    assert M.upsample(np.array([[[1.0], [2.0]]]), 3)[0, :, 0] == pytest.approx([1, 1, 1, 2, 2, 2])
    with pytest.raises(ValueError):
        M.change_resolution(x, 2, 3)


def test_boxcar_matches_numpy_convolve_and_smoothing_identity(yp):
    y, p = yp
    x = y[..., 0].ravel()
    assert M.boxcar(x, 5) == pytest.approx(np.convolve(x, np.ones(5) / 5, mode="same"))
    assert M.smoothed_whole_pearson(y, p, 1, 1) == pytest.approx(M.whole_pearson(y, p))


def test_threshold_mask_any_cell():
    y = np.zeros((3, 4, 2))
    y[0, 1, 1] = 5
    y[2, 0, 0] = 2  # not strictly above 2
    assert M.threshold_mask(y, 2).tolist() == [True, False, False]


def test_binary_scores_vs_sklearn():
    rng = np.random.default_rng(0)
    lab = rng.integers(0, 2, size=(50, 2))
    sc = lab + rng.normal(0, 0.8, size=lab.shape)
    out = M.binary_scores(lab, sc)
    ro = np.mean([roc_auc_score(lab[:, c], sc[:, c]) for c in range(2)])
    pr = []
    for c in range(2):
        prec, rec, _ = precision_recall_curve(lab[:, c], sc[:, c])
        pr.append(auc(rec, prec))
    assert out["auroc"] == pytest.approx(ro)
    assert out["aupr"] == pytest.approx(np.mean(pr))


def test_coverage_pearson_is_across_sequences(yp):
    y, p = yp
    score = p.mean(axis=1)
    r = M.coverage_pearson(y, score)
    assert r[1] == pytest.approx(stats.pearsonr(y[..., 1].mean(axis=1), score[:, 1])[0])


def test_variation_score_hand_built():
    # two shifts of a 6-bp window cut from an 8-bp input, region [2, 4) aligned
    K, N, W, C = 2, 1, 6, 1
    preds = np.zeros((K, N, W, C))
    offsets = np.array([0, 2])
    # aligned region of shift k starts at centre - o_k = 2 - o_k
    preds[0, 0, 2:4, 0] = [1.0, 3.0]
    preds[1, 0, 0:2, 0] = [3.0, 3.0]
    v, mean = M.variation_score(preds, offsets, span=2, centre=2)
    sd = np.array([np.std([1, 3]), np.std([3, 3])])
    assert v[0, 0] == pytest.approx(sd.mean() / np.mean([1, 3, 3, 3]))
    assert mean[0, :, 0] == pytest.approx([2.0, 3.0])
    # identical predictions at every shift -> 0
    same = np.repeat(preds[:1], 2, axis=0)
    assert M.variation_score(same, np.array([0, 0]), span=2, centre=2)[0][0, 0] == 0


# --- from the mutation run (docs/mutation.md): each test below fails for at least one mutant ---


def test_change_resolution_error_messages_name_the_sizes():
    x = np.zeros((1, 8, 1))
    with pytest.raises(ValueError, match=r"b1=3 is not a multiple of b0=2"):
        M.change_resolution(x, 2, 3)
    with pytest.raises(ValueError, match=r"length 8 not divisible by bin size 3"):
        M.change_resolution(x, 1, 3)
    with pytest.raises(ValueError) as e:
        M.change_resolution(np.zeros((8, 1)), 1, 2)
    assert str(e.value) == "change_resolution: expected (N, L, C), got shape (8, 1)"


def test_nanmean_columns_in_float64():
    """float32 input averaged in float64 (in float32, 2**24 + 1 rounds back to 2**24); a column
    with no finite value is NaN."""
    r = np.array([[2.0**24, np.nan], [1.0, np.inf], [1.0, np.nan], [1.0, np.nan]], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = M.nanmean_columns(r)
    assert out[0] == (2.0**24 + 3) / 4 and np.isnan(out[1])


@pytest.mark.parametrize("window", [1, 2, 5, 8])
def test_streaming_boxcar_equals_boxcar_for_any_chunking(window):
    """StreamingBoxcar over chunks (empty, one value, shorter and longer than the window) gives
    ``boxcar`` (np.convolve, mode "same") of the whole track, column by column, in float64."""
    rng = np.random.default_rng(window)
    x = rng.gamma(1.0, 2.0, (41, 3)).astype(np.float32)
    want = np.stack([M.boxcar(x[:, c], window) for c in range(3)], axis=1)
    for cuts in ([0, 41], [0, 0, 1, 2, 9, 9, 30, 41], list(range(42))):
        sb = M.StreamingBoxcar(window, 3)
        parts = [sb.push(x[a:b]) for a, b in zip(cuts[:-1], cuts[1:])] + [sb.finish()]
        assert all(p.ndim == 2 and p.shape[1] == 3 for p in parts)
        got = np.concatenate(parts)
        assert got.shape == (41, 3)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
        # every output is returned as soon as its window is complete (w - 1 - w // 2 values after it)
        right = window - 1 - window // 2
        assert [len(p) for p in parts[:-1]] == [max(0, b - right) - max(0, a - right)
                                                for a, b in zip(cuts[:-1], cuts[1:])]


def test_whole_mse_per_cell_line_vs_sklearn(yp):
    from sklearn.metrics import mean_squared_error

    y, p = yp
    want = mean_squared_error(y.reshape(-1, 3), p.reshape(-1, 3), multioutput="raw_values")
    got = M.whole_mse(y, p)
    assert got.shape == (3,)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    # by hand on a (1, 2, 2) case: cell 0 errors 1, 3 -> 5; cell 1 errors 0, 2 -> 2
    y2 = np.array([[[1.0, 2.0], [3.0, 2.0]]])
    p2 = np.array([[[2.0, 2.0], [0.0, 0.0]]])
    np.testing.assert_allclose(M.whole_mse(y2, p2), [5.0, 2.0])
    # float32 inputs are accumulated in float64
    y32, p32 = y.astype(np.float32), p.astype(np.float32)
    want32 = ((y32.astype(np.float64) - p32.astype(np.float64)) ** 2).reshape(-1, 3).mean(axis=0)
    np.testing.assert_allclose(M.whole_mse(y32, p32), want32, rtol=1e-12)


def test_scaling_factors_per_cell_line_when_bins_differ_from_cells():
    # (N=2, L=3, C=2): the cell-line axis is the last one, whatever the bin count
    y = np.arange(12, dtype=float).reshape(2, 3, 2) + 1
    p = np.ones((2, 3, 2))
    want = [y[..., 0].sum() / 6, y[..., 1].sum() / 6]
    np.testing.assert_allclose(M.scaling_factors(y, p), want, rtol=1e-12)


def test_scaling_factors_of_float32_tracks_are_summed_in_float64():
    # 200,000 bins of float32 coverage per cell line: float32 sums give factors off by 5e-7 and
    # 2.3e-6 relative (measured), so rtol 1e-9 requires float64 sums
    rng = np.random.default_rng(3)
    y = rng.gamma(0.5, 2.0, size=(1000, 200, 2)).astype(np.float32)
    p = rng.gamma(0.5, 1.0, size=y.shape).astype(np.float32)
    want = y.astype(np.float64).reshape(-1, 2).sum(0) / p.astype(np.float64).reshape(-1, 2).sum(0)
    np.testing.assert_allclose(M.scaling_factors(y, p), want, rtol=1e-9)


def test_zero_prediction_sum_gives_non_finite_factor_without_warning():
    y = np.array([[[1.0, 0.0], [3.0, 0.0]]])
    p = np.zeros_like(y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's divide/invalid RuntimeWarning would raise
        s = M.scaling_factors(y, p)  # 4/0 = inf (divide), 0/0 = NaN (invalid)
    assert np.isinf(s[0]) and np.isnan(s[1])


def test_per_sequence_pearson_all_constant_cell_is_nan_float():
    rng = np.random.default_rng(2)
    y = rng.normal(size=(4, 16, 2))
    p = rng.normal(size=(4, 16, 2))
    y[:, :, 1] = 3.0  # every profile of cell 1 constant: no finite r
    r = M.per_sequence_pearson(y, p)
    assert r.dtype == np.float64 and np.isnan(r[1])
    assert r[0] == pytest.approx(np.mean([stats.pearsonr(y[n, :, 0], p[n, :, 0])[0] for n in range(4)]))


def _smoothed_reference(y, p, b0, w):
    """Spec §5.4 by hand: np.repeat to bp, flatten per cell, box-car of both, scipy Pearson."""
    out = []
    for c in range(y.shape[-1]):
        yb = np.repeat(y[..., c], b0, axis=1).ravel()
        pb = np.repeat(p[..., c], b0, axis=1).ravel()
        if w > b0:
            k = np.ones(w) / w
            yb, pb = np.convolve(yb, k, mode="same"), np.convolve(pb, k, mode="same")
        out.append(stats.pearsonr(yb, pb)[0])
    return np.array(out)


@pytest.mark.parametrize("b0,w", [(1, 1), (4, 4), (4, 32), (1, 8), (2, 64)])
def test_smoothed_whole_pearson_vs_spec_by_hand(yp, b0, w):
    y, p = yp
    got = M.smoothed_whole_pearson(y, p, b0, w)
    want = _smoothed_reference(y, p, b0, w)
    assert got.shape == (3,)
    np.testing.assert_allclose(got, want, rtol=1e-10)
    if w == b0:  # no smoothing: upsampling repeats values, whole-chromosome r unchanged
        np.testing.assert_allclose(got, M.whole_pearson(y, p), rtol=1e-10)
    else:  # smoothing changes r (each cell line on its own)
        assert np.all(np.abs(got - M.whole_pearson(y, p)) > 1e-3)


def test_auc_scores_of_a_single_class_are_nan():
    lab = np.zeros(10, dtype=int)
    sc = np.linspace(0, 1, 10)
    assert np.isnan(M.auroc(lab, sc)) and np.isnan(M.trapezoid_aupr(lab, sc))
    assert np.isnan(M.auroc(lab + 1, sc)) and np.isnan(M.trapezoid_aupr(lab + 1, sc))


@pytest.mark.parametrize("aupr", ["trapezoid", "average_precision"])
def test_binary_scores_skip_single_class_cells(aupr):
    from sklearn.metrics import average_precision_score

    rng = np.random.default_rng(4)
    lab = rng.integers(0, 2, size=(60, 3))
    lab[:, 2] = 0  # no positives in cell 2: NaN there, left out of the mean
    sc = lab + rng.normal(0, 1.0, size=lab.shape)
    out = M.binary_scores(lab, sc, aupr=aupr)
    assert out["auroc"] == pytest.approx(np.mean([roc_auc_score(lab[:, c], sc[:, c]) for c in range(2)]), rel=1e-12)
    if aupr == "trapezoid":
        pr = []
        for c in range(2):
            prec, rec, _ = precision_recall_curve(lab[:, c], sc[:, c])
            pr.append(auc(rec, prec))
    else:
        pr = [average_precision_score(lab[:, c], sc[:, c]) for c in range(2)]
    assert out["aupr"] == pytest.approx(np.mean(pr), rel=1e-12)


def test_average_precision_differs_from_trapezoid():
    rng = np.random.default_rng(5)
    lab = rng.integers(0, 2, size=(40, 1))
    sc = lab + rng.normal(0, 1.5, size=lab.shape)
    trap = M.binary_scores(lab, sc)["aupr"]
    ap = M.binary_scores(lab, sc, aupr="average_precision")["aupr"]
    from sklearn.metrics import average_precision_score

    assert ap == pytest.approx(average_precision_score(lab[:, 0], sc[:, 0]), rel=1e-12)
    assert abs(ap - trap) > 1e-3


def test_coverage_pearson_means_float32_coverage_in_float64():
    # 2,048-bp float32 coverage (the GOPHER datasets' dtype): float32 window means move r by
    # 2.7e-7 and 1.1e-6 relative (measured), far beyond rtol 1e-12
    rng = np.random.default_rng(6)
    y = rng.gamma(0.3, 3.0, size=(40, 2048, 2)).astype(np.float32) * 1000
    score = y.astype(np.float64).mean(axis=1) + rng.normal(0, 50.0, size=(40, 2))
    want = [stats.pearsonr(y[..., c].astype(np.float64).mean(axis=1), score[:, c])[0] for c in range(2)]
    np.testing.assert_allclose(M.coverage_pearson(y, score), want, rtol=1e-12)


def _variation_reference(preds, offsets, span, centre):
    """Spec §5.7 by loops in float64: A_k(p) = P_k[centre - o_k + p]; v = mean_p sd_k / mean_kp."""
    preds = np.asarray(preds, dtype=np.float64)
    k, n, _, c = preds.shape
    offsets = np.asarray(offsets)
    if offsets.ndim == 1:
        offsets = np.repeat(offsets[:, None], n, axis=1)
    v = np.empty((n, c))
    for j in range(n):
        for cc in range(c):
            a = np.array([[preds[i, j, centre - offsets[i, j] + q, cc] for q in range(span)] for i in range(k)])
            v[j, cc] = np.mean([np.std(a[:, q]) for q in range(span)]) / np.mean(a)
    return v


def test_variation_score_defaults_are_the_paper_geometry():
    # paper: 20 random offsets in [0, 1024) of a 3072-bp input, 2048-bp windows, the region
    # [1024, 2048) of the input aligned (span = centre = 1024); a smaller world keeps K = 3
    rng = np.random.default_rng(7)
    k, n, w, c = 3, 2, 2048, 2
    offsets = np.array([0, 1023, 517])
    preds = rng.gamma(2.0, 1.0, size=(k, n, w, c))
    v, mean = M.variation_score(preds, offsets)
    np.testing.assert_allclose(v, _variation_reference(preds, offsets, 1024, 1024), rtol=1e-12)
    assert mean.shape == (n, 1024, c)
    np.testing.assert_allclose(mean[1, 0, 1], np.mean([preds[i, 1, 1024 - offsets[i], 1] for i in range(k)]))
    a = M.aligned_shifts(preds, offsets)
    assert a.shape == (k, n, 1024, c)
    np.testing.assert_array_equal(a[1, 0, :, 0], preds[1, 0, 1:1025, 0])  # 1024 - 1023 = 1


def test_variation_score_per_sequence_and_cell_with_per_sequence_offsets():
    rng = np.random.default_rng(8)
    k, n, w, c = 4, 3, 12, 2
    offsets = rng.integers(0, 5, size=(k, n))
    preds = rng.gamma(2.0, 1.0, size=(k, n, w, c))
    preds[:, 1] *= 10.0  # sequence 1 has a ten times higher mean: v must use its own mean
    v, _ = M.variation_score(preds, offsets, span=6, centre=5)
    assert v.shape == (n, c)
    np.testing.assert_allclose(v, _variation_reference(preds, offsets, 6, 5), rtol=1e-12)


def test_variation_score_of_float32_predictions_in_float64():
    # float32 std/mean of the aligned predictions are off by up to 7e-7 relative (measured)
    rng = np.random.default_rng(9)
    preds = (rng.gamma(2.0, 1.0, size=(20, 4, 64, 2)) * 1000).astype(np.float32)
    offsets = rng.integers(0, 16, size=20)
    v, _ = M.variation_score(preds, offsets, span=32, centre=16)
    np.testing.assert_allclose(v, _variation_reference(preds, offsets, 32, 16), rtol=1e-12)


def test_variation_score_zero_mean_is_inf_nan_without_warning():
    preds = np.zeros((2, 3, 6, 1))
    preds[0, 1, 2, 0] = 1.0  # sequence 1: sd > 0 over a mean > 0 -> finite; sequence 0: 0/0 -> NaN
    preds[0, 2, 2, 0], preds[1, 2, 2, 0] = 1.0, -1.0  # sequence 2: sd 1 over a zero mean -> inf
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's divide/invalid RuntimeWarning would raise
        v, _ = M.variation_score(preds, np.array([0, 0]), span=2, centre=2)
    assert np.isnan(v[0, 0]) and np.isfinite(v[1, 0]) and np.isinf(v[2, 0])


def test_aligned_shifts_window_edges():
    preds = np.arange(2 * 1 * 8 * 1, dtype=float).reshape(2, 1, 8, 1)
    # region [4, 8) of the input; offset 0 -> window cut at 4 ends exactly at the window end
    a = M.aligned_shifts(preds, np.array([0, 4]), span=4, centre=4)
    np.testing.assert_array_equal(a[0, 0, :, 0], preds[0, 0, 4:8, 0])
    np.testing.assert_array_equal(a[1, 0, :, 0], preds[1, 0, 0:4, 0])
    with pytest.raises(ValueError, match=r"offset 5 puts the region outside the window"):
        M.aligned_shifts(preds, np.array([0, 5]), span=4, centre=4)  # start -1
    with pytest.raises(ValueError, match=r"offset 0 puts the region outside the window"):
        M.aligned_shifts(preds, np.array([0, 1]), span=5, centre=4)  # end 9 > 8
