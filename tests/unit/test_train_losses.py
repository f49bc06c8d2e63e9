"""Losses against independent numpy/scipy computations."""

import numpy as np
import pytest
import torch
from scipy.special import gammaln, log_softmax
from scipy.stats import poisson as poisson_dist

from regbench.train.losses import get_loss

torch.set_num_threads(1)
rng = np.random.default_rng(0)
PRED = rng.uniform(0.1, 3, size=(4, 8, 3))
Y = rng.poisson(1.5, size=(4, 8, 3)).astype(float)


def _t(a):
    return torch.tensor(a, dtype=torch.float32)


def test_poisson_matches_keras_formula():
    want = np.mean(PRED - Y * np.log(PRED + 1e-7))
    assert float(get_loss("poisson")(_t(PRED), _t(Y))) == pytest.approx(want, rel=1e-5)


def test_poisson_log_is_the_poisson_nll_without_log_y_factorial():
    """poisson_log(pred = log rate) = mean(-log Poisson(y | exp(pred)) - log y!) (scipy.stats)."""
    logit = np.log(PRED)
    want = np.mean(-poisson_dist.logpmf(Y, np.exp(logit)) - gammaln(Y + 1))
    assert float(get_loss("poisson_log")(_t(logit), _t(Y))) == pytest.approx(want, rel=1e-5)
    # hand-computed: pred 0 (rate 1), y 2 -> exp(0) - 2 * 0 = 1; pred log 3, y 1 -> 3 - log 3
    hand = (1.0 + 3.0 - np.log(3.0)) / 2
    assert float(get_loss("poisson_log")(_t([0.0, np.log(3.0)]), _t([2.0, 1.0]))) == pytest.approx(hand, rel=1e-6)
    y = Y.copy()
    y[1, :, 2] = np.nan
    keep = np.isfinite(y)
    masked = np.mean(-poisson_dist.logpmf(y[keep], PRED[keep]) - gammaln(y[keep] + 1))
    assert float(get_loss("poisson_log", mask_nan=True)(_t(logit), _t(y))) == pytest.approx(masked, rel=1e-5)


def test_mse():
    assert float(get_loss("mse")(_t(PRED), _t(Y))) == pytest.approx(np.mean((PRED - Y) ** 2), rel=1e-5)


def test_pearson_pooled_per_track():
    rs = [np.corrcoef(PRED[..., c].ravel(), Y[..., c].ravel())[0, 1] for c in range(3)]
    assert float(get_loss("pearson")(_t(PRED), _t(Y))) == pytest.approx(-np.mean(rs), rel=1e-4)
    assert float(get_loss("basenjipearsonr")(_t(PRED), _t(Y))) == pytest.approx(-np.mean(rs), rel=1e-4)


def test_pearson_mse_default_alpha():
    rs = [np.corrcoef(PRED[..., c].ravel(), Y[..., c].ravel())[0, 1] for c in range(3)]
    want = -np.mean(rs) + 0.001 * np.mean((PRED - Y) ** 2)
    assert float(get_loss("pearsonr_mse")(_t(PRED), _t(Y))) == pytest.approx(want, rel=1e-4)


def test_multinomial_nll():
    logp = log_softmax(PRED, axis=1)
    n = Y.sum(1)
    ll = gammaln(n + 1) - gammaln(Y + 1).sum(1) + (Y * logp).sum(1)
    want = -ll.sum() / PRED.shape[0]
    assert float(get_loss("multinomial")(_t(PRED), _t(Y))) == pytest.approx(want, rel=1e-4)
    mix = get_loss("multinomialnll_mse_reg")(_t(PRED), _t(Y))
    assert float(mix) == pytest.approx(1e-7 * want + np.mean((PRED - Y) ** 2), rel=1e-4)


def _nll(pred, y):
    """Multinomial NLL over bins (axis 1) with logits ``pred``, summed, / batch (scipy)."""
    logp = log_softmax(pred, axis=1)
    n = y.sum(1)
    return -(gammaln(n + 1) - gammaln(y + 1).sum(1) + (y * logp).sum(1)).sum() / pred.shape[0]


def test_multinomial_mse_keeps_its_multinomial_term():
    """Cases where the multinomial term is most of the value: pred = y (MSE 0), so the loss is
    alpha x NLL alone (default alpha 1e-7, the paper's), and alpha = 1 where the term is > 50 %
    of the value (0.72 here)."""
    y = np.round(PRED * 3)  # counts; pred == y exactly -> MSE = 0
    assert _nll(y, y) > 1.0
    assert float(get_loss("multinomial_mse")(_t(y), _t(y))) == pytest.approx(1e-7 * _nll(y, y), rel=1e-4, abs=0)
    nll, sq = _nll(PRED, y), np.mean((PRED - y) ** 2)
    assert nll / (nll + sq) > 0.5
    assert float(get_loss("multinomial_mse", alpha=1.0)(_t(PRED), _t(y))) == pytest.approx(nll + sq, rel=1e-4)


def test_bce_probabilities_and_logits():
    p = rng.uniform(0.05, 0.95, size=(6, 3))
    y = rng.integers(0, 2, size=(6, 3)).astype(float)
    want = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert float(get_loss("bce")(_t(p), _t(y))) == pytest.approx(want, rel=1e-5)
    logit = np.log(p / (1 - p))
    assert float(get_loss("bce", logits=True)(_t(logit), _t(y))) == pytest.approx(want, rel=1e-4)


def test_unknown_loss():
    with pytest.raises(KeyError):
        get_loss("nope")


def test_mask_nan_ignores_missing_targets():
    y = Y.copy()
    y[0, :, 1] = np.nan
    keep = np.isfinite(y)
    want = np.mean(PRED[keep] - y[keep] * np.log(PRED[keep] + 1e-7))
    assert float(get_loss("poisson", mask_nan=True)(_t(PRED), _t(y))) == pytest.approx(want, rel=1e-5)
    with pytest.raises(ValueError):
        get_loss("pearson", mask_nan=True)


def _pearson_np(pred, y):
    return -np.mean([np.corrcoef(pred[..., c].ravel(), y[..., c].ravel())[0, 1] for c in range(pred.shape[-1])])


def test_pearson_poisson_harmonic_combination():
    pr = _pearson_np(PRED, Y)
    po = np.mean(PRED - Y * np.log(PRED + 1e-7))
    want = 2 * pr * po / (pr + po)
    for name in ("pearson_poisson", "pearsonr_poisson"):
        assert float(get_loss(name)(_t(PRED), _t(Y))) == pytest.approx(want, rel=1e-4)


def test_aliases_and_keywords():
    assert float(get_loss("pearsonr")(_t(PRED), _t(Y))) == pytest.approx(_pearson_np(PRED, Y), rel=1e-4)
    want = _nll(PRED, Y)
    assert float(get_loss("multinomialnll")(_t(PRED), _t(Y))) == pytest.approx(want, rel=1e-4)
    assert float(get_loss("pearson_mse", alpha=0.5)(_t(PRED), _t(Y))) == pytest.approx(
        _pearson_np(PRED, Y) + 0.5 * np.mean((PRED - Y) ** 2), rel=1e-4)
    p = np.array([[0.2, 0.9], [0.6, 0.3]])
    y = np.array([[0.0, 1.0], [1.0, 0.0]])
    bce = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert float(get_loss("binary_crossentropy")(_t(p), _t(y))) == pytest.approx(bce, rel=1e-5)


def test_bce_clips_probabilities_like_keras():
    """p = 0 or 1 on the wrong label: Keras clips to [1e-7, 1 - 1e-7], so -log(1e-7) = 16.118
    per such entry (float32: 1 - 1e-7 rounds to 0.99999988, -log(1.19e-7) = 15.942)."""
    p = np.array([[0.0, 1.0]])
    y = np.array([[1.0, 0.0]])
    val = float(get_loss("bce")(_t(p), _t(y)))
    assert np.isfinite(val)
    lo = -np.log(np.float32(1e-7))
    hi = -np.log(1 - np.float32(1 - 1e-7))
    assert val == pytest.approx((lo + hi) / 2, rel=1e-4)
    # well inside (0, 1) nothing is clipped: p = 1e-3 on a 1 label costs -log(1e-3) = 6.91
    assert float(get_loss("bce")(_t([[1e-3]]), _t([[1.0]]))) == pytest.approx(-np.log(1e-3), rel=1e-5)


def test_multinomial_needs_profiles():
    with pytest.raises(ValueError, match=r"multinomial loss needs profiles \(B, T, C\), got shape \(4, 3\)"):
        get_loss("multinomial")(_t(PRED[:, 0]), _t(Y[:, 0]))


def test_mask_nan_mse_and_unsupported():
    y = Y.copy()
    y[2, 3, :] = np.nan
    keep = np.isfinite(y)
    want = np.mean((PRED[keep] - y[keep]) ** 2)
    assert float(get_loss("mse", mask_nan=True)(_t(PRED), _t(y))) == pytest.approx(want, rel=1e-5)
    with pytest.raises(ValueError, match="mask_nan is supported for poisson, poisson_log and mse, not 'bce'"):
        get_loss("bce", mask_nan=True)
    with pytest.raises(KeyError, match="unknown loss 'nope'; available: poisson, poisson_log, mse, pearson, "
                       "pearson_mse, multinomial, multinomial_mse, pearson_poisson, bce"):
        get_loss("nope")


def test_poisson_at_zero_rate_uses_the_keras_epsilon():
    """pred = 0 (a softplus output can underflow to it): log(0 + 1e-7), finite, as in Keras."""
    pred = np.array([0.0, 0.0, 1.5])
    y = np.array([0.0, 2.0, 1.0])
    want = np.mean(pred - y * np.log(pred + 1e-7))
    assert np.isfinite(want)
    assert float(get_loss("poisson")(_t(pred), _t(y))) == pytest.approx(want, rel=1e-5)


def test_bce_function_defaults_to_probabilities():
    from regbench.train.losses import bce

    p = np.array([[0.2, 0.7]])
    y = np.array([[0.0, 1.0]])
    want = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert float(bce(_t(p), _t(y))) == pytest.approx(want, rel=1e-5)
