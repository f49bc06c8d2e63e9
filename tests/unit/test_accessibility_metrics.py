"""GOPHER metric formulas vs independent computations (scipy/sklearn/hand-built)."""

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
